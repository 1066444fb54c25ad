"""Work situations (situations professionnelles): the apprentice's traces of what they did
at work, linked to the competences of their track, with files and tutor comments."""
