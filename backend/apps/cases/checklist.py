"""The must-call-police situations (道路交通事故处理程序规定 and the seed, §3.1 item 5).

Any "yes" means the quick channel does not apply: the driver must call 122 and stay.
"""

CHECKLIST = [
    ("injury", "是否有人员受伤或死亡？"),
    ("no_plate", "是否有机动车无号牌、无检验合格标志或无交强险标志？"),
    ("no_licence", "是否有驾驶人无有效机动车驾驶证？"),
    ("drunk_or_drugs", "是否有驾驶人饮酒，或服用国家管制的精神药品、麻醉药品？"),
    ("cannot_move", "是否有车辆不能自行移动？"),
    ("property_damage", "是否碰撞了建筑物、公共设施或其他设施并造成损失？"),
    ("suspected_fraud", "是否发现对方有故意造成事故，或有假牌、假证嫌疑？"),
    ("disputed", "双方是否对事故事实或原因有争议？"),
]
CHECKLIST_KEYS = [key for key, _ in CHECKLIST]
CALL_POLICE_MESSAGE = (
    "您的情况不适用快处快赔，请立即拨打 122 报警，开启危险报警闪光灯，在来车方向放置三角警示牌，"
    "人员撤离到护栏外等安全地点等候交警处理。"
)
