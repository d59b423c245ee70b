

def test_unit_info_reads_a_unit_created_since_the_last_reload(demo):
    from apps.units.geo import jurisdictions
    from apps.units.models import Unit, UnitKind

    county = demo["451082"]
    known = jurisdictions.unit_info(county.pk)  # loads the index
    assert known.name == county.name and known.ancestor_ids[0] == county.pk and len(known.ancestor_ids) == 2
    station = Unit.objects.create(name="平果市新城派出所", kind=UnitKind.STATION, parent=county, adcode="451082")
    info = jurisdictions.unit_info(station.pk)
    assert info is not None and info.name == "平果市新城派出所"
    assert info.ancestor_ids == (station.pk, county.pk, county.parent_id)
    assert jurisdictions.unit_info(999_999) is None
