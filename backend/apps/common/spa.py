"""Serves the built front ends in the embedded mode (nginx does this in production)."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse

NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>快处快赔</title>
<body style="font-family:sans-serif;padding:2em"><h1>前端尚未构建</h1><p>请运行 <code>make run</code>，它会构建前端后再启动服务。</p></body></html>"""


def _serve(root: Path, path: str):
    root = root.resolve()
    candidate = (root / path).resolve() if path else root / "index.html"
    if root not in candidate.parents and candidate != root / "index.html":
        raise Http404
    if not candidate.is_file():
        # Unknown asset paths are 404; any other path is a client-side route.
        if path.startswith("assets/") or Path(path).suffix:
            raise Http404
        candidate = root / "index.html"
    if not candidate.is_file():
        return HttpResponse(NOT_BUILT, status=503)
    content_type, _ = mimetypes.guess_type(str(candidate))
    response = FileResponse(candidate.open("rb"), content_type=content_type or "application/octet-stream")
    if candidate.name == "index.html":
        response["Cache-Control"] = "no-cache"
    elif "assets" in candidate.parts:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def admin_app(request, path: str = ""):
    return _serve(settings.ADMIN_DIST, path)


def h5_app(request, path: str = ""):
    return _serve(settings.H5_DIST, path)
