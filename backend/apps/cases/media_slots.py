SCENE_SLOTS = {
    "scene_front": "正前方全景",
    "scene_rear": "正后方全景",
    "scene_contact": "碰擦点近景",
}
OPTIONAL_SCENE_SLOTS = {"scene_extra": "其他现场照片", "video": "现场录像"}
PARTY_SLOTS = {"driver_licence": "驾驶证", "vehicle_licence": "行驶证", "policy": "保险单"}
ALL_SLOTS = {**SCENE_SLOTS, **OPTIONAL_SCENE_SLOTS, **PARTY_SLOTS}
MULTI_SLOTS = {"scene_extra"}  # every other slot holds one file; a new upload replaces the old
VIDEO_SLOTS = {"video"}
