"""Liability help for owners: the standard full-liability situations of quick handling.

A short questionnaire (which situation, which party did it, did the other party also do one of
them) turns into a *suggestion*. It is stored on the case for the officer to confirm or change on
closing; it never sets `Party.liability`. Article references are the ones the guide already quotes
(apps/guide/seed.py); where no single article fits, none is given.
"""

from dataclasses import asdict, dataclass

from .models import Liability

NOTICE = "以下判断仅供参考，事故责任以交警（快处快赔服务中心）认定为准。"
OTHER = "other"


@dataclass(frozen=True)
class Situation:
    code: str
    title: str
    description: str
    question: str  # which party did it?
    at_fault_role: str
    other_role: str
    basis: str = ""


SITUATIONS: tuple[Situation, ...] = (
    Situation(
        "rear_end", "追尾", "同一车道内，后车撞上正常行驶、减速或停车等候的前车车尾。",
        "哪一方是后车（车头撞上对方车尾的一方）？", "后车", "前车",
        "《中华人民共和国道路交通安全法实施条例》第四十三条：同车道行驶的机动车，后车应当与前车保持足以采取紧急制动措施的安全距离。",
    ),
    Situation(
        "reversing", "倒车", "一方倒车时撞上后方停放或行驶的车辆。",
        "哪一方在倒车？", "倒车一方", "另一方",
        "《中华人民共和国道路交通安全法实施条例》第五十条：机动车倒车时，应当察明车后情况，确认安全后倒车。",
    ),
    Situation(
        "rolling_back", "溜车", "坡道起步或停车未拉手刹，车辆向后（向前）溜动撞上其他车辆。",
        "哪一方的车辆溜车？", "溜车一方", "另一方",
        "《中华人民共和国道路交通安全法》第二十二条：机动车驾驶人应当按照操作规范安全驾驶、文明驾驶。",
    ),
    Situation(
        "wrong_way", "逆行", "在单行路反向行驶，或越过道路中心线驶入对向车道时发生碰撞。",
        "哪一方逆行（或越过道路中心线）？", "逆行一方", "另一方",
        "《中华人民共和国道路交通安全法》第三十五条：机动车、非机动车实行右侧通行。",
    ),
    Situation(
        "door_opening", "开关车门", "停车后开关车门，与旁边驶过的车辆发生碰擦。",
        "哪一方开关车门？", "开关车门一方", "另一方",
        "《中华人民共和国道路交通安全法实施条例》第六十三条：车辆停稳前不得开车门和上下人员，开关车门不得妨碍其他车辆和行人通行。",
    ),
    Situation(
        "lane_change", "变更车道", "一方并线、加塞时，与相邻车道内正常行驶的车辆碰擦。",
        "哪一方在变更车道？", "变更车道一方", "正常行驶一方",
        "《中华人民共和国道路交通安全法实施条例》第四十四条：变更车道的机动车，不得影响相关车道内行驶的机动车的正常行驶。",
    ),
    Situation(
        "signal_violation", "闯红灯、违反交通信号", "红灯亮时驶过停止线，或不按交通信号灯、交警指挥通行。",
        "哪一方闯红灯或违反交通信号？", "违反交通信号一方", "按信号通行一方",
        "《中华人民共和国道路交通安全法》第三十八条：车辆、行人应当按照交通信号通行。",
    ),
    Situation(
        "failure_to_yield", "未按规定让行", "路口转弯未让直行车，无信号路口未让右方来车，有让行标志一侧未让行，或从路边、小区驶入道路未让行。",
        "哪一方应当让行却没有让行？", "未让行一方", "有优先通行权一方",
        "《中华人民共和国道路交通安全法实施条例》第五十一条、第五十二条（转弯的机动车让直行的车辆先行；无信号控制的路口让右方道路的来车先行等）。",
    ),
    Situation(
        "sign_marking", "违反禁止标志、标线", "压实线变道、在禁止左转处左转、驶入禁行车道等违反禁止标志或标线的行为。",
        "哪一方违反了禁止标志或标线？", "违反标志标线一方", "另一方",
        "《中华人民共和国道路交通安全法》第三十八条：车辆、行人应当按照交通信号通行（交通信号包括交通标志和交通标线，见第二十五条）。",
    ),
    Situation(
        "u_turn", "违规掉头", "在禁止掉头处掉头，或掉头时与正常行驶的车辆碰撞。",
        "哪一方在掉头？", "掉头一方", "正常行驶一方",
        "《中华人民共和国道路交通安全法实施条例》第四十九条：机动车掉头不得妨碍正常行驶的其他车辆和行人的通行。",
    ),
)

BY_CODE = {s.code: s for s in SITUATIONS}

SITUATION_QUESTION = "事故属于下面哪一种情形？"
OTHER_TITLE = "以上都不是 / 说不清"
BOTH_QUESTION = "另一方是否也有上面列出的情形之一（例如一方变道时另一方闯红灯）？"


class InvalidAnswers(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def questions() -> dict:
    """The questionnaire as the H5 shows it."""
    return {
        "notice": NOTICE,
        "situation_question": SITUATION_QUESTION,
        "situations": [asdict(s) for s in SITUATIONS],
        "other": {"code": OTHER, "title": OTHER_TITLE},
        "both_question": BOTH_QUESTION,
        "liability_labels": {value: label for value, label in Liability.choices},
    }


def clean_answers(answers: dict, party_count: int) -> dict:
    """The answers in their canonical form, or InvalidAnswers naming the field."""
    if not isinstance(answers, dict):
        raise InvalidAnswers("answers", "请按问题逐项作答。")
    code = answers.get("situation")
    if code != OTHER and code not in BY_CODE:
        raise InvalidAnswers("situation", "请选择事故情形。")
    if code == OTHER:
        return {"situation": OTHER}
    party = answers.get("at_fault_party")
    if isinstance(party, bool) or not isinstance(party, int) or not 0 <= party < party_count:
        raise InvalidAnswers("at_fault_party", BY_CODE[code].question.rstrip("？") + "？请选择一方当事人。")
    both = answers.get("both_at_fault", False)
    if not isinstance(both, bool):
        raise InvalidAnswers("both_at_fault", "请回答另一方是否也有上述情形。")
    return {"situation": code, "at_fault_party": party, "both_at_fault": both}


def _row(party: int, liability: str) -> dict:
    return {"party": party, "liability": liability, "label": Liability(liability).label}


def suggest(answers: dict, party_count: int = 2) -> dict:
    """Pure: answers → {situation, liabilities: [{party, liability, label}], explanation}.

    One party in a standard situation and nobody else at fault: that party full, every other none.
    Anything else gives no liabilities: the split (major/minor, equal) is for the officer.
    """
    if party_count < 1:
        raise InvalidAnswers("parties", "案件还没有当事人信息。")
    clean = clean_answers(answers, party_count)
    code = clean["situation"]
    if code == OTHER:
        return {
            "situation": None,
            "liabilities": [],
            "explanation": "不属于常见的一方全部责任情形，或者说不清。责任由交警根据现场照片和双方陈述认定。",
        }
    situation = BY_CODE[code]
    info = {"code": situation.code, "title": situation.title, "basis": situation.basis}
    fault = clean["at_fault_party"]
    if clean["both_at_fault"]:
        return {
            "situation": info,
            "liabilities": [],
            "explanation": (f"{situation.title}：第{fault + 1}方是{situation.at_fault_role}，但另一方也有过错。"
                            "双方都有过错时，通常按各自过错大小分担责任（同等、主次责任），由交警认定。"),
        }
    liabilities = [_row(i, Liability.FULL if i == fault else Liability.NONE) for i in range(party_count)]
    others = situation.other_role if party_count == 2 else "其他各方"
    explanation = (f"{situation.title}：第{fault + 1}方是{situation.at_fault_role}，一般由{situation.at_fault_role}"
                   f"承担全部责任，{others}无责任。")
    if situation.basis:
        explanation += f"依据：{situation.basis}"
    return {"situation": info, "liabilities": liabilities, "explanation": explanation}
