"""The permissions a city admin may hand to a role, with the Chinese names the admin screen shows.

Only these codes can be granted through the API: Django's full permission table includes things
(auth.*, contenttypes.*, token_blacklist.*) that mean nothing in this product.
"""

from apps.accounts.models import Role

ASSIGNABLE_PERMISSIONS: dict[str, str] = {
    "cases.view_case": "查看案件",
    "cases.claim_case": "接单",
    "cases.decide_case": "审核（适用 / 不适用）",
    "cases.void_case": "作废案件",
    "cases.transfer_case": "转办案件",
    "cases.close_case": "办结案件",
    "cases.export_evidence": "导出证据材料",
    "fraud.view_fraudwarning": "查看骗保预警",
    "fraud.dispatch": "预警派警",
    "stats.view_stats": "查看统计",
    "insurers.lookup_case": "保险公司按受理号查询案件",
    "insurers.record_claim": "登记理赔受理",
    "insurers.add_insurancecompany": "新增保险公司",
    "insurers.change_insurancecompany": "管理保险公司",
    "guide.view_article": "查看指南（含草稿）",
    "guide.add_article": "新增指南文章",
    "guide.change_article": "编辑指南文章",
    "guide.delete_article": "删除指南文章",
    "accounts.manage_users": "管理用户、角色与密码",
    "units.view_unit": "查看单位",
    "units.add_unit": "新增单位",
    "units.change_unit": "管理单位与辖区",
    "system.view_parameter": "查看系统参数",
    "system.change_parameter": "修改系统参数",
    "system.view_auditentry": "查看审计日志",
}

# Removing these from the city admin role would lock every administrator out of fixing it.
LOCKOUT_GUARD = {Role.CITY_ADMIN: ("accounts.manage_users",)}
