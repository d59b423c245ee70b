import re

from django.core.exceptions import ValidationError


class ComplexityValidator:
    """At least three of: lower case, upper case, digits, symbols."""

    def validate(self, password: str, user=None) -> None:
        classes = [r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"]
        if sum(bool(re.search(pattern, password)) for pattern in classes) < 3:
            raise ValidationError(
                "密码须至少包含大写字母、小写字母、数字、符号中的三类。", code="password_too_simple"
            )

    def get_help_text(self) -> str:
        return "密码须至少包含大写字母、小写字母、数字、符号中的三类。"
