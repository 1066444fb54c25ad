"""Pages open to everyone: home, accessibility statement, language choice."""
