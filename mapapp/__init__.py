"""The application factory: configuration, extensions, blueprints, error handlers, commands."""

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from mapapp.config import load_config
from mapapp.textinput import TextRequest

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


class DatabaseId(IntegerConverter):
    """<int:...> in every route: ids beyond the database's integer range are a 404, not a
    crash in the driver (found by fuzzing)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config=None):
    """Build the Flask app; `config` is a mapping applied last (tests use it)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, config)
    app.request_class = TextRequest
    app.url_map.converters["int"] = DatabaseId
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_hooks(app)
    return app


def register_extensions(app):
    """Bind the extensions to the app and prepare the database engine."""
    from mapapp import models  # noqa: F401  (registers the tables)
    from mapapp.extensions import babel, csrf, db, limiter, login_manager, migrate
    from mapapp.security import configure_login
    from mapapp.spatial import configure_engine, engine_options

    options = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **options, **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    }
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    limiter.init_app(app)
    login_manager.init_app(app)
    configure_login(login_manager)


def register_blueprints(app):
    """Attach one blueprint per audience."""
    from mapapp.api import bp as api_bp
    from mapapp.public import bp as public_bp
    from mapapp.reports import bp as reports_bp
    from moderation import bp as moderation_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(moderation_bp)


def register_errorhandlers(app):
    """Answer errors as JSON or HTML, rolling back the session first."""
    from mapapp.errors import register

    register(app)


def register_commands(app):
    """Add the flask CLI commands."""
    from mapapp.cli import register

    register(app)


def register_hooks(app):
    """Add security headers, proxy handling, the language cookie and template helpers."""
    from mapapp.formhelp import error_target, field_aria, fields_in_error
    from mapapp.labels import label, labels
    from mapapp.mirror import mirror_page
    from mapapp.security import (
        csp_nonce,
        refuse_unexpected_bodies,
        set_security_headers,
        silence_request_logs,
        trust_proxies,
    )
    from mapapp.urls import external_url

    silence_request_logs()
    trust_proxies(app)
    # First of all before-request functions: ahead of the CSRF check, which parses the body.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unexpected_bodies)
    app.after_request(set_security_headers)
    app.after_request(remember_language)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["current_locale"] = select_locale
    app.jinja_env.globals["language_url"] = language_url
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["institution_name"] = institution_name
    app.jinja_env.globals["region_label"] = region_label
    app.jinja_env.globals["labels"] = labels
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals["mirror_page"] = mirror_page
    app.jinja_env.globals.update(field_aria=field_aria, error_target=error_target,
                                 fields_in_error=fields_in_error)


LANGUAGE_COOKIE_DAYS = 365


def institution_name(institution):
    """An institution's name in the page's language: Korean on Korean pages; on English
    pages the English (or romanized) name with the Korean after it, as the sign reads.
    Takes an Institution or a public record (a dict)."""
    if isinstance(institution, dict):
        ko, en = institution["institution_ko"], institution["institution_en"]
    else:
        ko, en = institution.name_ko, institution.name_en
    return f"{en} ({ko})" if select_locale() == "en" and en else ko


def region_label(sido_code, sigungu_code=None, language=None):
    """A 시/도 and 시/군/구 in the page's language, or the one given ("서울특별시 동대문구"
    or "Dongdaemun-gu, Seoul"); names from the boundary files, not the database."""
    from geodata.regions import region_names

    sido_code = sido_code or (sigungu_code or "")[:2]
    sido_names, sigungu_lists = region_names()
    sido = sido_names.get(sido_code, ("", ""))
    sigungu = next(((ko, en) for code, ko, en in sigungu_lists.get(sido_code, [])
                    if code == sigungu_code), ("", ""))
    if (language or select_locale()) == "en":
        return ", ".join(part for part in (sigungu[1], sido[1]) if part)
    return " ".join(part for part in (sido[0], sigungu[0]) if part)


def remember_language(response):
    """Keep a ?lang= choice in a cookie, on pages only (cacheable API answers set no cookie).

    Tip pages never set it: a tipster's device keeps no lasting trace of the tip form.
    """
    from flask import current_app

    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"] and response.mimetype == "text/html" \
            and request.blueprint != "reports" and request.cookies.get("lang") != chosen:
        response.set_cookie("lang", chosen, max_age=LANGUAGE_COOKIE_DAYS * 86400,
                            secure=current_app.config["SESSION_COOKIE_SECURE"],
                            httponly=True, samesite="Lax")
    return response


# What a public page's URL keeps when its language changes: the filter and the page number.
PUBLIC_PAGE_ARGS = {"sido", "sigungu", "month_from", "month_to", "kind", "level", "q", "sort",
                    "bbox", "page", "mode"}


def language_url(code):
    """Return this page's URL in another language, keeping its query (filters, page).

    The path is rebuilt from our own route, never copied from the request: on a 404 for
    `/%5Cevil.example/x` the raw path would make `/\\evil.example/x`, which browsers read as
    another site. A request that matched no route links to the home page instead.
    """
    from urllib.parse import urlencode

    from flask import url_for

    if request.url_rule is None or request.routing_exception is not None:
        return url_for("public.home", lang=code)
    # Public pages are cached: they keep only what they understand, so a cached page never
    # carries a first visitor's made-up parameters.
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang" and (
        request.blueprint != "public" or k in PUBLIC_PAGE_ARGS)]
    path = url_for(request.url_rule.endpoint, **(request.view_args or {}))
    return f"{path}?{urlencode([*args, ('lang', code)])}"


def select_locale():
    """Pick the language: ?lang=, then the lang cookie, then Korean."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    for value in (request.args.get("lang"), request.cookies.get("lang")):
        if value in languages:
            return value
    return current_app.config["BABEL_DEFAULT_LOCALE"]
