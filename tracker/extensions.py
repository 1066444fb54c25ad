"""Unbound extension objects, initialised by ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from tracker.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()
# Counters live in Redis when TRACKER_REDIS_URL is set (shared by every worker), in the
# process memory otherwise (one machine, one worker: the development default).
limiter = Limiter(key_func=get_remote_address)
