"""JSON parsing that turns pathological nesting into a 400 instead of a RecursionError (500)."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("请求内容嵌套层级过深，无法解析。") from None
