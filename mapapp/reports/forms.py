"""The anonymous tip form and the receipt status form."""

from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

from babel.support import Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path as wtforms_messages_path
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from geodata.regions import region_names, sigungu_names
from mapapp.labels import LABELS
from mapapp.models import REPORT_CATEGORIES, TIPSTER_ROLES

DESCRIPTION_MAX = 2000
FIRST_YEAR = 2018
CATEGORY_LABELS = LABELS["category"]
ROLE_LABELS = LABELS["role"]


def options(pairs):
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def sido_choices():
    """Return [(None, [choices])]: every 시/도 after an empty one, in the current language."""
    return _region_choices(str(get_locale()))[0]


def sigungu_choices():
    """Return [(시/도 name or None, [choices])], rendered as optgroups."""
    return _region_choices(str(get_locale()))[1]


@lru_cache(maxsize=4)
def wtforms_translations(language):
    """Load WTForms' built-in messages for a language once."""
    return Translations.load(wtforms_messages_path(), [language], domain="wtforms")


@lru_cache(maxsize=4)
def _region_choices(language):
    """Build both region choice lists once per language (they are read-only afterwards)."""
    sido, sigungu = region_names()
    pick = 1 if language == "en" else 0
    first = [(None, options([("", _l("Choose…"))]
                            + [(c, names[pick]) for c, names in sido.items()]))]
    second = [(None, [SelectChoice("", _l("Choose… (optional)"))])]
    for code, names in sido.items():
        second.append((names[pick], [SelectChoice(c, (ko, en)[pick])
                                     for c, ko, en in sigungu[code]]))
    return first, second


class TipForm(FlaskForm):
    """What a tipster tells us: where, when, what, optionally who they are."""

    institution_id = IntegerField(validators=[Optional()])
    institution_text = StringField(_l("Name of the school or institution"),
                                   validators=[Optional(), Length(max=200)])
    # Plain fields checked against the known codes: a SelectField would re-process 250 choices
    # on every request. The template renders them as <select> from the cached choices.
    sido_code = StringField(_l("Province or city (시/도)"), validators=[Optional()])
    sigungu_code = StringField(_l("District (시/군/구)"), validators=[Optional()])
    occurred_year = SelectField(_l("Year"), validators=[InputRequired(
        message=_l("Please choose the year."))], coerce=str)
    occurred_month = SelectField(_l("Month"), validators=[InputRequired(
        message=_l("Please choose the month."))], coerce=str,
                                 choices=options([("", "—")] + [(str(m), str(m))
                                                                 for m in range(1, 13)]))
    occurred_approximate = BooleanField(_l("The date is approximate"))
    category = RadioField(_l("What happened?"), validators=[InputRequired(
        message=_l("Please choose what happened."))],
        choices=options((c, CATEGORY_LABELS[c]) for c in REPORT_CATEGORIES))
    tipster_role = RadioField(_l("Who are you? (optional)"), validators=[Optional()],
                              choices=options((r, ROLE_LABELS[r]) for r in TIPSTER_ROLES))
    description = TextAreaField(_l("Describe what happened"), validators=[
        DataRequired(message=_l("Please describe what happened.")),
        Length(max=DESCRIPTION_MAX, message=_l("Please keep it under %(max)d characters.",
                                               max=DESCRIPTION_MAX))])
    source_url = StringField(_l("Public source (optional)"),
                             validators=[Optional(), Length(max=500)])
    confirm = BooleanField(_l("What I wrote is true to the best of my knowledge."),
                           validators=[DataRequired(message=_l("Please confirm to send the tip."))])
    pii_ack = HiddenField()
    started = HiddenField()
    website = StringField()  # honeypot: hidden from people, filled in by bots

    class Meta:
        """Cache WTForms' own message catalogue per language (Flask-WTF reloads it each time)."""

        def get_translations(self, form):
            """Return the cached catalogue for the current language."""
            return wtforms_translations(str(get_locale()))

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or date.today()
        years = range(self.today.year, FIRST_YEAR - 1, -1)
        self.occurred_year.choices = options([("", "—")] + [(str(y), str(y)) for y in years])

    def validate_occurred_month(self, field):
        """Refuse a month in the future."""
        if field.errors or self.occurred_year.errors:
            return  # not one of the offered choices; already reported
        if self.occurred_year.data and field.data:
            when = date(int(self.occurred_year.data), int(field.data), 1)
            if when > self.today.replace(day=1):
                raise ValidationError(_l("That month is in the future."))

    def validate_source_url(self, field):
        """Accept only an http or https address of a public page."""
        parts = urlsplit(field.data.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in field.data.strip():
            raise ValidationError(_l("Please give a web address starting with http:// or "
                                     "https://, or leave it empty."))
        if parts.username or parts.password:
            raise ValidationError(_l("Please remove the user name or password from the address."))

    def validate_sido_code(self, field):
        """Accept only a known 시/도 code."""
        if field.data not in region_names()[0]:
            raise ValidationError(_l("Please choose its province or city from the list."))

    def validate_sigungu_code(self, field):
        """A 시/군/구 must be known and lie in the chosen 시/도."""
        if field.data not in sigungu_names():
            raise ValidationError(_l("Please choose its district from the list, or leave it "
                                     "empty."))
        if field.data and self.sido_code.data and not field.data.startswith(self.sido_code.data):
            raise ValidationError(_l("That district is not in the chosen province or city."))

    def validate(self, extra_validators=None):
        """Check the fields, then the rule that spans them: a listed institution, or a name
        with its 시/도 (a field-level validator would never run on an empty Optional field)."""
        valid = super().validate(extra_validators)
        if self.institution_id.data:
            return valid
        if not (self.institution_text.data or "").strip():
            self.institution_text.errors.append(_l(
                "Choose the school from the search results, or write its name below."))
            return False
        if not self.sido_code.data:
            self.sido_code.errors.append(_l("Please also choose its province or city."))
            return False
        return valid


class StatusForm(FlaskForm):
    """The receipt code, to see what became of a tip."""

    code = StringField(_l("Receipt code"), validators=[DataRequired(
        message=_l("Please enter your 16-digit receipt code.")), Length(max=40)])
