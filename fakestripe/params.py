"""Request parameter tables: a small schema language that validates requests the way Stripe
reports problems (``parameter_unknown``, ``parameter_missing``, ``parameter_invalid_integer``,
each naming the full ``param``), and that enforces the stand-in's rule:

* a parameter Stripe has but the stand-in does not implement is listed as ``unsupported`` and
  refused with a message saying so; a value Stripe has but the stand-in does not implement is
  listed as ``refused`` on its field and refused the same way;
* everything accepted is used: validated hashes are :class:`Params`, which remember what the
  handler read, and a request whose handler leaves an accepted parameter unread fails loudly
  (see :func:`fakestripe.api.base.api`), so nothing is ever accepted and dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fakestripe.errors import StripeError, invalid, not_implemented
from fakestripe.form import join
from fakestripe.money import CURRENCIES
from fakestripe.tracking import Params, consume

MAX_STRING = 5000
MAX_SAFE_INT = 2**53


class _Empty:
    """Marker for a parameter sent as an empty string, which Stripe reads as "unset this"."""

    def __repr__(self) -> str:
        return "EMPTY"

    def __bool__(self) -> bool:
        return False


EMPTY = _Empty()


# --- fields -------------------------------------------------------------------------------


class Field:
    emptyable = False
    choices: tuple[str, ...] | None = None
    # Values Stripe accepts here that the stand-in does not implement.
    refused: frozenset[Any] = frozenset()

    def clean(self, value: Any, path: str) -> Any:
        raise NotImplementedError

    def check(self, value: Any, path: str) -> Any:
        if value == "" and self.emptyable:
            return EMPTY
        if isinstance(value, str) and value in self.refused:
            raise not_implemented(path, value)
        return self.clean(value, path)


def _scalar(value: Any, path: str, what: str) -> str:
    if not isinstance(value, str):
        raise invalid(f"Invalid {what}: {path} must be a {what}, not a hash or array.", param=path)
    return value


class Str(Field):
    def __init__(
        self,
        *,
        max_length: int = MAX_STRING,
        choices: Iterable[str] | None = None,
        refused: Iterable[str] = (),
        emptyable: bool = False,
        allow_blank: bool = False,
        pattern: str | None = None,
        pattern_hint: str = "",
        refuse_others: bool = False,
    ) -> None:
        self.max_length = max_length
        # Any value but the choices is refused as not implemented (for long Stripe enums such
        # as event types, where the stand-in implements a few).
        self.refuse_others = refuse_others
        self.choices = tuple(choices) if choices else None
        self.refused = frozenset(refused)
        self.emptyable = emptyable
        self.allow_blank = allow_blank
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_hint = pattern_hint

    def clean(self, value: Any, path: str) -> str:
        text = _scalar(value, path, "string")
        if text == "" and not self.allow_blank:
            raise invalid(
                f"You passed an empty string for '{path}'. We assume empty values are an attempt "
                f"to unset a parameter; however '{path}' cannot be unset. You should remove "
                f"'{path}' from your request or supply a non-empty value.",
                param=path,
                code="parameter_invalid_empty",
            )
        if len(text) > self.max_length:
            raise invalid(
                f"Invalid string: {text[:40]}...; must be at most {self.max_length} characters",
                param=path,
            )
        if self.choices and text not in self.choices and self.refuse_others:
            raise not_implemented(path, text, known=False)
        if self.choices and text not in self.choices:
            raise invalid(f"Invalid {path}: must be one of {', '.join(self.choices)}", param=path)
        if self.pattern and text and not self.pattern.fullmatch(text):
            raise invalid(f"Invalid {path}: {self.pattern_hint or text[:60]}", param=path)
        return text


class Int(Field):
    def __init__(
        self,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        emptyable: bool = False,
        refused: Iterable[str] = (),
    ) -> None:
        self.minimum = minimum
        self.maximum = maximum if maximum is not None else MAX_SAFE_INT
        self.emptyable = emptyable
        # Stripe's enum alternatives to a number (``cancel_at=max_period_end``).
        self.refused = frozenset(refused)

    def clean(self, value: Any, path: str) -> int:
        text = _scalar(value, path, "integer").strip()
        if not re.fullmatch(r"-?\d{1,19}", text):
            raise invalid(
                f"Invalid integer: {text[:60]}", param=path, code="parameter_invalid_integer"
            )
        number = int(text)
        if self.minimum is not None and number < self.minimum:
            raise invalid(
                f"This value must be greater than or equal to {self.minimum}.",
                param=path,
                code="parameter_invalid_integer",
            )
        if number > self.maximum:
            raise invalid(
                f"This value must be less than or equal to {self.maximum}.",
                param=path,
                code="parameter_invalid_integer",
            )
        return number


class Moment(Int):
    """A timestamp, or ``now``."""

    words = ("now",)

    def check(self, value: Any, path: str) -> Any:
        if value == "now":
            return "now"
        return super().check(value, path)


class Amount(Int):
    """Amounts in the smallest currency unit; Stripe caps them at eight digits."""

    def __init__(self, *, minimum: int = 0, maximum: int = 99_999_999) -> None:
        super().__init__(minimum=minimum, maximum=maximum)

    def clean(self, value: Any, path: str) -> int:
        try:
            return super().clean(value, path)
        except StripeError as exc:
            if exc.code == "parameter_invalid_integer" and "must be less" in exc.message:
                raise invalid(
                    f"Amount must be no more than {self.maximum}",
                    param=path,
                    code="amount_too_large",
                ) from exc
            raise


class Bool(Field):
    def __init__(self, *, emptyable: bool = False, only: bool | None = None) -> None:
        self.emptyable = emptyable
        # ``only=False``: Stripe accepts true too, but the stand-in does not implement it.
        self.only = only

    def clean(self, value: Any, path: str) -> bool:
        text = _scalar(value, path, "boolean")
        if text in {"true", "True", "1"}:
            result = True
        elif text in {"false", "False", "0"}:
            result = False
        else:
            raise invalid(f"Invalid boolean: {text[:60]}", param=path)
        if self.only is not None and result != self.only:
            raise not_implemented(path, text)
        return result


class Url(Str):
    def __init__(self, *, emptyable: bool = False, allow_template: bool = False) -> None:
        super().__init__(max_length=5000, emptyable=emptyable)
        self.allow_template = allow_template

    def clean(self, value: Any, path: str) -> str:
        text = super().clean(value, path)
        if not re.match(r"^https?://[^\s/?#]+[^\s]*$", text):
            raise invalid("Not a valid URL", param=path, code="url_invalid")
        return text


class Email(Str):
    def __init__(self, *, emptyable: bool = False) -> None:
        super().__init__(max_length=512, emptyable=emptyable)

    def clean(self, value: Any, path: str) -> str:
        text = super().clean(value, path)
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            raise invalid(f"Invalid email address: {text[:80]}", param=path, code="email_invalid")
        return text


class Currency(Str):
    def __init__(self) -> None:
        super().__init__(max_length=3)

    def clean(self, value: Any, path: str) -> str:
        text = _scalar(value, path, "string").lower()
        if text not in CURRENCIES:
            raise invalid(
                f"Invalid currency: {text[:10]}. Stripe currently supports these currencies: "
                + ", ".join(sorted(CURRENCIES)),
                param=path,
            )
        return text


class Metadata(Field):
    """``metadata[key]=value``; an empty value deletes the key, ``metadata=`` clears all."""

    emptyable = True

    def clean(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid(
                "Invalid object: metadata must be a hash of string keys to string values",
                param=path,
            )
        if len(value) > 50:
            raise invalid("You can specify up to 50 keys in metadata.", param=path)
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            sub = join(path, key)
            if not isinstance(item, str):
                raise invalid(f"Invalid string: {sub} must be a string", param=sub)
            if len(key) > 40:
                raise invalid(
                    f"Metadata keys can have up to 40 characters; '{key[:50]}' is too long.",
                    param=sub,
                )
            if len(item) > 500:
                raise invalid("Metadata values can have up to 500 characters.", param=sub)
            cleaned[key] = EMPTY if item == "" else item
        return cleaned


def new_metadata(value: Any) -> dict[str, str]:
    """Metadata for a new object: empty values mean "no such key", as in an update."""
    return apply_metadata({}, value) if value else {}


def apply_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    if update is EMPTY:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value is EMPTY:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


class Array(Field):
    def __init__(self, item: Field, *, max_items: int = 100, emptyable: bool = False) -> None:
        self.item = item
        self.max_items = max_items
        self.emptyable = emptyable

    def clean(self, value: Any, path: str) -> list[Any]:
        if isinstance(value, dict):
            raise invalid(f"Invalid array: {path} must be an array", param=path)
        if isinstance(value, str):
            # Stripe accepts a bare value where an array of scalars is expected.
            value = [value]
        if len(value) > self.max_items:
            raise invalid(f"{path} may contain at most {self.max_items} items", param=path)
        return [self.item.check(item, join(path, i)) for i, item in enumerate(value)]


class Hash(Field):
    def __init__(
        self,
        fields: Mapping[str, Field],
        *,
        required: Iterable[str] = (),
        unsupported: Iterable[str] = (),
        emptyable: bool = False,
        validator: Callable[[dict[str, Any], str], None] | None = None,
    ) -> None:
        self.fields = dict(fields)
        self.required = tuple(required)
        self.unsupported = frozenset(unsupported)
        self.emptyable = emptyable
        self.validator = validator
        overlap = self.unsupported & set(self.fields)
        if overlap:
            raise ValueError(f"both implemented and unsupported: {sorted(overlap)}")

    def clean(self, value: Any, path: str) -> Params:
        if not isinstance(value, dict):
            raise invalid(f"Invalid object: {path} must be a hash", param=path)
        cleaned = Params()
        for key, item in value.items():
            sub = join(path, key)
            if key in self.fields:
                cleaned[key] = self.fields[key].check(item, sub)
            elif key in self.unsupported:
                raise not_implemented(sub)
            else:
                raise invalid(
                    f"Received unknown parameter: {sub}", param=sub, code="parameter_unknown"
                )
        for key in self.required:
            if key not in cleaned:
                sub = join(path, key)
                raise invalid(
                    f"Missing required param: {sub}.", param=sub, code="parameter_missing"
                )
        if self.validator:
            self.validator(cleaned, path)
        return cleaned


class Expand(Array):
    def __init__(self) -> None:
        super().__init__(Str(max_length=200), max_items=20)


class Range(Field):
    """List filters such as ``created`` accept an integer or ``{gt,gte,lt,lte}``."""

    def clean(self, value: Any, path: str) -> dict[str, int]:
        if isinstance(value, str):
            exact = Int(minimum=0).clean(value, path)
            return {"gte": exact, "lte": exact}
        bounds = Hash({k: Int(minimum=0) for k in ("gt", "gte", "lt", "lte")}).clean(value, path)
        return consume(bounds)


def in_range(value: int | None, bounds: dict[str, int] | None) -> bool:
    if not bounds:
        return True
    if value is None:
        return False
    checks = {
        "gt": lambda b: value > b,
        "gte": lambda b: value >= b,
        "lt": lambda b: value < b,
        "lte": lambda b: value <= b,
    }
    return all(checks[k](b) for k, b in bounds.items())


def endpoint(
    fields: Mapping[str, Field] | None = None,
    *,
    required: Iterable[str] = (),
    unsupported: Iterable[str] = (),
    validator: Callable[[dict[str, Any], str], None] | None = None,
    expand: bool = True,
) -> Hash:
    """A request's top-level schema; endpoints accept ``expand`` (deletions do not)."""
    return Hash(
        {**({"expand": Expand()} if expand else {}), **(fields or {})},
        required=required,
        unsupported=unsupported,
        validator=validator,
    )


def list_endpoint(
    fields: Mapping[str, Field] | None = None, *, created: bool = True, **kwargs: Any
) -> Hash:
    """A list route: pagination, and the ``created`` filter unless it lists embedded lines."""
    return endpoint(
        {
            "limit": Int(minimum=1, maximum=100),
            "starting_after": Str(max_length=255),
            "ending_before": Str(max_length=255),
            **({"created": Range()} if created else {}),
            **(fields or {}),
        },
        **kwargs,
    )


def words(text: str) -> tuple[str, ...]:
    """Long enums (locales, payment method types) written as one string of words."""
    return tuple(text.split())
