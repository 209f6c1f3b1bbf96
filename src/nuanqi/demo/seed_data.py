"""The seed's world as data: units, categories, time limits, companies, people and the stories as cases.

Units, companies, projects and dates follow the newspaper page (定海, 2023-03-30); every person's name is
invented. `world.build_world` turns this into rows through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nuanqi import defaults
from nuanqi.accounts.models import UnitKind

D, T, OT, B = UnitKind.DEPARTMENT, UnitKind.TOWN, UnitKind.OTHER, UnitKind.BANK
CITY, PROVINCE = "330900", "330000"

# (name, short name, kind, in district, region code)
UNITS: list[tuple[str, str, str, bool, str]] = [
    ("定海区营商环境优化提升办公室", "营商办", UnitKind.OFFICE, True, "330902"),
    ("定海区发展和改革局", "区发改局", D, True, "330902"),
    ("定海区经济和信息化局", "区经信局", D, True, "330902"),
    ("定海区财政局", "区财政局", D, True, "330902"),
    ("定海区住房和城乡建设局", "区住建局", D, True, "330902"),
    ("定海区水利局", "区水利局", D, True, "330902"),
    ("舟山市生态环境局定海分局", "区生态环境分局", D, True, "330902"),
    ("定海区应急管理局", "区应急管理局", D, True, "330902"),
    ("定海区市场监督管理局", "区市场监管局", D, True, "330902"),
    ("定海区人力资源和社会保障局", "区人社局", D, True, "330902"),
    ("国家税务总局舟山市定海区税务局", "区税务局", D, True, "330902"),
    ("舟山市定海区消防救援大队", "区消防救援大队", D, True, "330902"),
    ("舟山市自然资源和规划局定海分局", "市自然资源和规划局定海分局", D, True, "330902"),
    ("定海区商务局", "区商务局", D, True, "330902"),
    ("定海区文化和广电旅游体育局", "区文广旅体局", D, True, "330902"),
    ("定海区交通运输局", "区交通运输局", D, True, "330902"),
    ("定海区综合行政执法局", "区综合行政执法局", D, True, "330902"),
    ("定海区科学技术局", "区科技局", D, True, "330902"),
    ("定海区农业农村局", "区农业农村局", D, True, "330902"),
    ("定海区卫生健康局", "区卫健局", D, True, "330902"),
    ("定海区统计局", "区统计局", D, True, "330902"),
    ("定海工业园区管理委员会", "定海工业园区管委会", D, True, "330902"),
    ("国网舟山供电公司定海分公司", "区供电公司", OT, True, "330902"),
    ("定海区人民法院", "区法院", OT, True, "330902"),
    ("定海海洋农村商业银行", "海洋农商银行", B, True, "330902"),
    ("定海区重点项目推进工作专班", "区工作专班", UnitKind.TASKFORCE, True, "330902"),
    ("环南街道", "", T, True, "330902"),
    ("城东街道", "", T, True, "330902"),
    ("解放街道", "", T, True, "330902"),
    ("昌国街道", "", T, True, "330902"),
    ("盐仓街道", "", T, True, "330902"),
    ("临城街道", "", T, True, "330902"),
    ("千岛街道", "", T, True, "330902"),
    ("岑港街道", "", T, True, "330902"),
    ("双桥街道", "", T, True, "330902"),
    ("马岙街道", "", T, True, "330902"),
    ("小沙街道", "", T, True, "330902"),
    ("白泉镇", "", T, True, "330902"),
    ("干览镇", "", T, True, "330902"),
    ("金塘镇", "", T, True, "330902"),
    ("长白乡", "", T, True, "330902"),
    # Outside the district: errands there take a trip to the city or the province.
    ("舟山市市场监督管理局", "市市场监管局", D, False, CITY),
    ("舟山市生态环境局", "市生态环境局", D, False, CITY),
    ("舟山市住房和城乡建设局", "市住建局", D, False, CITY),
    ("舟山市应急管理局", "市应急管理局", D, False, CITY),
    ("舟山海事局", "舟山海事局", D, False, CITY),
    ("舟山海关", "舟山海关", D, False, CITY),
    ("浙江省海洋监测预报中心", "省海洋监测预报中心", D, False, PROVINCE),
]

# The three groups of the seed's public notice (十四届区委第四轮第二批巡察): phone and target unit.
INSPECTION_GROUPS: list[tuple[str, str, str]] = [
    ("区委第一巡察组", "18058081373", "区发改局"),
    ("区委第二巡察组", "18058081375", "区财政局"),
    ("区委第三巡察组", "18058081376", "区住建局"),
]
INSPECTION_ADDRESS = "定海区昌国路61号区委巡察办（邮政编码：316000）"

# The enterprise 大类 (the API looks them up by these exact names) and their 小项, and the time limits: the
# demo district starts from what every new district gets (nuanqi.defaults).
CATEGORIES = defaults.CATEGORIES
SLA_POLICIES = defaults.SLA_POLICIES

BATCHES: list[tuple[int, str, date]] = [
    (1, "第一批", date(2022, 5, 16)),
    (2, "第二批", date(2022, 9, 19)),
    (3, "第三批", date(2023, 1, 29)),  # 正月初八, a 调休 Sunday that was a workday
]


@dataclass(frozen=True)
class CompanySpec:
    key: str
    name: str
    body: str  # characters 9–17 of the 统一社会信用代码 (after 91330902), check digit added by the loader
    industry: str
    industry_name: str
    scale: str
    above_scale: bool
    town: str
    address: str
    key_company: bool
    contact_name: str
    contact_phone: str


# fmt: off
COMPANIES: list[CompanySpec] = [
    CompanySpec("huakang", "舟山华康生物科技有限公司", "MA2A3HK81", "C27", "医药制造业", "medium", True,
            "临城街道", "定海区临城街道", True, "方志坚", "13905801201"),
    CompanySpec("changhong", "舟山长宏国际船舶修造有限公司", "7256CH437", "C37",
            "铁路、船舶、航空航天和其他运输设备制造业", "large", True, "岑港街道", "定海区岑港街道", True,
            "蔡国栋", "13905801202"),
    CompanySpec("lvyou", "舟山新区旅游服务有限公司", "MA28LY0X2", "L72", "商务服务业", "medium", True,
            "千岛街道", "定海区千岛街道", False, "严晓峰", "13905801203"),
    CompanySpec("sensen", "森森集团股份有限公司", "14861N525", "C38", "电气机械和器材制造业", "large", True,
            "盐仓街道", "定海区盐仓街道", True, "邱建明", "13905801204"),
    CompanySpec("hongye", "弘业建设集团有限公司", "1489HY361", "E47", "房屋建筑业", "large", True,
            "城东街道", "定海区城东街道", True, "管志刚", "13905801205"),
    CompanySpec("jutai", "浙江聚泰新能源材料有限公司", "MA7JT2N93", "C26", "化学原料和化学制品制造业",
            "large", False, "岑港街道", "定海工业园区", True, "祝永胜", "13905801206"),
    CompanySpec("lianghai", "舟山良海粮油有限公司", "MA2LH6Y14", "C13", "农副食品加工业", "medium", True,
            "白泉镇", "定海区白泉镇", False, "储海燕", "13905801207"),
    CompanySpec("taipingyang", "舟山太平洋海洋工程有限公司", "MA2TP8H45", "C37",
            "铁路、船舶、航空航天和其他运输设备制造业", "medium", True, "马岙街道", "定海区马岙街道", True,
            "屠宏亮", "13905801208"),
]
# fmt: on

# (username, invented name, roles, unit short name or "", title)
STAFF: list[tuple[str, str, tuple[str, ...], str, str]] = [
    ("admin", "杨建华", ("admin",), "营商办", "营商办系统管理员"),
    ("leader", "徐海峰", ("leader",), "", "区领导（分管营商环境）"),
    ("dispatcher", "陆佳怡", ("dispatcher",), "营商办", "受理派单员"),
]

# One 经办人 per unit that leads or co-handles cases in the demo: (username, name, unit short name, title).
HANDLERS: list[tuple[str, str, str, str]] = [
    ("handler", "何俊杰", "区住建局", "建筑市场科经办人"),
    ("handler_fgj", "贺文斌", "区发改局", "信用科经办人"),
    ("handler_jxj", "邵晓燕", "区经信局", "企业服务科经办人"),
    ("handler_sthj", "傅建国", "区生态环境分局", "环评科经办人"),
    ("handler_zrzy", "童丽萍", "市自然资源和规划局定海分局", "用地科经办人"),
    ("handler_yjj", "应志明", "区应急管理局", "安全生产科经办人"),
    ("handler_rsj", "毛雪芬", "区人社局", "就业科经办人"),
    ("handler_gd", "乐海波", "区供电公司", "客户服务中心经办人"),
    ("handler_slj", "邱振华", "区水利局", "水资源科经办人"),
    ("handler_jtj", "岑国梁", "区交通运输局", "综合科经办人"),
    ("handler_scjg", "虞婷婷", "区市场监管局", "登记注册科经办人"),
    ("handler_xf", "葛军", "区消防救援大队", "防火监督员"),
    ("handler_wjj", "柴慧敏", "区卫健局", "疾控科经办人"),
    ("handler_sw", "竺晨阳", "区税务局", "纳税服务科经办人"),
    ("handler_czj", "邬敏", "区财政局", "经建科经办人"),
    ("handler_swj", "翁丽君", "区商务局", "外经贸科经办人"),
    ("handler_tjj", "包立新", "区统计局", "工业统计科经办人"),
    ("handler_nsh", "史佳琪", "海洋农商银行", "公司业务部客户经理"),
    ("handler_zb", "任志强", "区工作专班", "专班联络员"),
    ("handler_yq", "施国平", "定海工业园区管委会", "项目服务科经办人"),
]

# (username, name, company key, title)
CONTACTS: list[tuple[str, str, str, str]] = [
    ("company", "方志坚", "huakang", "项目部经理"),
    ("company2", "蔡国栋", "changhong", "安全环保部部长"),
]


@dataclass(frozen=True)
class CommissionerSpec:
    username: str
    name: str
    former_post: str
    batch: int
    dispatched_on: date
    company: str  # company key, "" when not yet assigned
    signed: bool = True
    replaced_on: date | None = None  # the day a successor took the company over (handover)


COMMISSIONERS: list[CommissionerSpec] = [
    CommissionerSpec("commissioner", "周慧琴", "退职科级干部", 3, date(2023, 1, 29), "huakang"),
    CommissionerSpec("commissioner2", "钱海涛", "原区经信局副局长", 1, date(2022, 5, 16), "changhong"),
    CommissionerSpec("commissioner_hongye", "赵建民", "原区水利局局长", 1, date(2022, 5, 16), "hongye"),
    CommissionerSpec("commissioner_sensen", "郑国庆", "原区住建局总工程师", 1, date(2022, 5, 16), "sensen"),
    CommissionerSpec(
        "commissioner_lvyou0",
        "蒋伟达",
        "原区文广旅体局副局长",
        1,
        date(2022, 5, 16),
        "lvyou",
        replaced_on=date(2022, 9, 19),
    ),
    CommissionerSpec("commissioner_lvyou", "孙立明", "原区商务局副局长", 2, date(2022, 9, 19), "lvyou"),
    CommissionerSpec("commissioner_jutai", "吴晓东", "原区发改局四级调研员", 2, date(2022, 9, 19), "jutai"),
    CommissionerSpec("commissioner_lianghai", "冯志远", "原白泉镇人大主席", 2, date(2022, 9, 19), "lianghai"),
    CommissionerSpec(
        "commissioner_taipingyang", "陈永康", "原区应急管理局副局长", 2, date(2022, 9, 19), "taipingyang"
    ),
    CommissionerSpec(
        "commissioner_new", "沈丽华", "原区市场监管局四级主任科员", 3, date(2023, 1, 29), "", signed=False
    ),
]

# Real names printed on the seed page: none of them may appear among the demo's people.
SEED_PERSON_NAMES = (
    "夏芬芳", "夏高方", "季文华", "张志平", "胡国海", "王家通", "宣宏伟", "林志刚", "侯富光", "林剑彪",
    "俞佳逸", "董周一", "王思圆", "叶武杰", "倪妮", "陈炳群", "胡思佳", "张艇", "陈燕明", "尹倩倩", "刘益梅",
)  # fmt: skip

YELLOW = -1  # `ago` sentinel: receive the case so that it is due within the next working day (黄牌)


@dataclass(frozen=True)
class CaseSpec:
    """One case and how far it has come. `ago`: received that many working days before today."""

    title: str
    category: str  # "大类/小项"
    lead: str  # lead unit short name
    state: str  # a key of world.PATHS
    ago: int
    nature: str = "求助"
    importance: str = "一般"
    urgency: str = "不紧急"
    by: str = "commissioner"  # or "company" (the company's contact files it, channel 企业求助)
    description: str = ""
    note: str = ""
    result: str = ""
    comment: str = ""
    reason: str = ""  # for return / reject / hold
    # (unit short name, "errand" | "done" | "signed" | "pending", note); "errand": the commissioner ran it
    tasks: tuple[tuple[str, str, str], ...] = ()


def _c(title: str, category: str, lead: str, state: str, ago: int, **kw: object) -> CaseSpec:
    return CaseSpec(title, category, lead, state, ago, **kw)  # type: ignore[arg-type]


MAJOR, URGENT = {"importance": "重要"}, {"urgency": "紧急"}
P1 = {**MAJOR, **URGENT}

CERTIFICATE_TITLE = "开具合规证明（涉及15家单位）"
# The 15 units of the certificate errand; the commissioner ran six of them in one morning.
CERTIFICATE_TASKS: tuple[tuple[str, str, str], ...] = (
    ("区市场监管局", "errand", "无市场监管领域违法违规记录证明已开具"),
    ("区税务局", "errand", "无欠税及税务违法记录证明已开具"),
    ("区人社局", "errand", "劳动保障守法证明已开具"),
    ("区应急管理局", "errand", "无安全生产行政处罚证明已开具"),
    ("区消防救援大队", "errand", "无消防行政处罚证明已开具"),
    ("区综合行政执法局", "errand", "无城管执法处罚证明已开具"),
    ("区住建局", "pending", "建设领域无违法违规证明"),
    ("区生态环境分局", "signed", "无环境违法记录证明"),
    ("市自然资源和规划局定海分局", "signed", "无违法用地证明"),
    ("区法院", "pending", "无涉诉失信记录证明"),
    ("市市场监管局", "pending", "药品生产领域合规证明（市级）"),
    ("市生态环境局", "pending", "排污许可执行情况证明（市级）"),
    ("市应急管理局", "pending", "危险化学品使用合规证明（市级）"),
    ("市住建局", "pending", "建筑施工安全合规证明（市级）"),
    ("舟山海关", "pending", "进出口企业无违规记录证明"),
)

# fmt: off
CASES: dict[str, list[CaseSpec]] = {
    "huakang": [
        _c(CERTIFICATE_TITLE, "政府审批/合规证明", "区发改局", "in_progress", YELLOW, **MAJOR,
            description="项目开工前需取得15家单位出具的合规证明，其中5家不在定海辖区。专员提前做好功课，按"
                        "单位地址排好路线，逐家跑办。",
            note="专员已跑完6家，其余9家已逐一电话预约。",
            tasks=CERTIFICATE_TASKS,
        ),
        _c("生产车间项目施工许可办理", "政府审批/施工许可", "区住建局", "in_progress", 8, **MAJOR,
            description="项目还在建设阶段，施工许可关系到开工节点，企业希望尽早取得。",
            note="施工图审查意见已回复，等待企业补正材料。",
        ),
        _c("项目环评批复跟踪", "政府审批/环评", "区生态环境分局", "dispatched", 1,
            description="项目环境影响报告书已报送，专员跟踪审批进度。",
        ),
        _c("申请研发费用补助", "政策兑现/资金补助", "区科技局", "new", 1,
            by="company",
            description="企业2022年度研发投入较上年增长，申请区级研发费用补助。",
        ),
        _c("咨询高新技术企业认定条件", "政策兑现/税收优惠", "区税务局", "rated", 2,
            nature="咨询",
            by="company",
            result="已当面讲解高新技术企业认定条件和15%优惠税率，并提供申报辅导材料。",
            comment="讲解清楚，材料很实用",
        ),
        _c("厂区临时用电增容", "要素保障/用电", "区供电公司", "dispatched", 1, **URGENT,
            by="company",
            description="设备调试需要临时增加用电容量约800千伏安。",
        ),
        _c("招聘生物医药专业技术人员", "要素保障/用工", "区人社局", "accepted", 1,
            by="company",
            description="项目投产前需招聘质量管理、生产技术人员约30名。",
        ),
    ],
    "changhong": [
        _c("船坞扩建项目用海及岸线审批", "要素保障/海域岸线", "市自然资源和规划局定海分局", "in_progress",
            YELLOW, **P1,
        ),
        _c("新增修船配套用地指标", "要素保障/用地", "市自然资源和规划局定海分局", "on_hold", 2, **MAJOR,
            reason="用地指标需纳入下一年度土地利用计划统筹安排，挂账跟踪",
        ),
        _c("旺季修船电力增容", "要素保障/用电", "区供电公司", "rated", 1, **P1,
            by="company",
            result="已完成临时增容并加装一路备用电源。",
        ),
        _c("招聘电焊工、涂装工等技术工人200名", "要素保障/用工", "区人社局", "extension", 1, **MAJOR,
            by="company",
            reason="招聘会安排在下月初，需延期办理",
        ),
        _c("外来务工人员住宿保障", "要素保障/用工", "区住建局", "resolved", 2,
            result="已协调人才公寓60套。",
        ),
        _c("流动资金贷款续贷", "要素保障/融资", "海洋农商银行", "archived", 1, **P1,
            by="company",
            result="已办理无还本续贷2亿元。",
        ),
        _c("厂区生产用水管网改造", "要素保障/用水用气", "区水利局", "dispatched", 1),
        _c("码头物流通道道路修缮", "要素保障/物流运输", "区交通运输局", "returned", 1,
            nature="建议",
            reason="该路段为村道，属岑港街道管护范围，建议改派岑港街道",
        ),
        _c("船坞扩建项目立项备案", "政府审批/项目立项", "区发改局", "rated_basic", 2, **MAJOR),
        _c("船坞扩建项目环评审批", "政府审批/环评", "区生态环境分局", "in_progress", 6, **P1),
        _c("节能评估审查", "政府审批/能评", "区发改局", "visiting", 2, **MAJOR,
            result="节能审查意见已出具。",
        ),
        _c("涂装车间改造施工许可", "政府审批/施工许可", "区住建局", "extended", 2, **MAJOR),
        _c("修船配套车间竣工验收", "政府审批/竣工验收", "区住建局", "rated", 2, by="company"),
        _c("船舶修理企业资质证书延续", "政府审批/资质许可", "区经信局", "accepted", 1, **URGENT,
            nature="咨询",
        ),
        _c("出口修船业务合规证明", "政府审批/合规证明", "区发改局", "new", 1),
        _c("安全生产标准化提升", "安全环保/安全生产", "区应急管理局", "archived", 2, **P1,
            description="上年度发生安全生产事故3起，专员指导企业强化安全生产管理。",
            result="完成安全生产标准化二级达标，本年度安全生产事故由3起降为0起。",
            comment="专员天天盯在现场，事故降为零",
        ),
        _c("船坞高处作业安全隐患整改", "安全环保/安全生产", "区应急管理局", "supervised", 5, **P1,
            note="已完成护栏加装，安全网更换待材料到货。",
        ),
        _c("有限空间作业专项检查整改", "安全环保/安全生产", "区应急管理局", "resolved", 2, **MAJOR),
        _c("喷砂除锈粉尘治理", "安全环保/环保整改", "区生态环境分局", "reopened", 2, **MAJOR,
            by="company",
            result="已要求加装移动式除尘设备。",
            comment="周边仍有粉尘，整改不彻底",
        ),
        _c("含油污水处理设施提标", "安全环保/环保整改", "区生态环境分局", "in_progress", 2),
        _c("消防设施检测与整改", "安全环保/消防", "区消防救援大队", "rated", 2),
        _c("船台区危化品仓库规范化", "安全环保/危化品管理", "区应急管理局", "rejected", 1,
            nature="咨询",
            by="company",
            reason="属企业安全生产主体责任，请企业按标准自行整改，专员提供指导",
        ),
        _c("职工职业病体检组织", "安全环保/职业健康", "区卫健局", "visiting", 1),
        _c("申报省级技改项目补助", "政策兑现/技改补贴", "区经信局", "in_progress", 2, **MAJOR),
        _c("研发费用加计扣除政策辅导", "政策兑现/税收优惠", "区税务局", "rated", 1, nature="咨询"),
        _c("稳岗返还和以工代训补贴", "政策兑现/稳岗就业", "区人社局", "archived", 2, by="company"),
        _c("高技能人才引进安家补贴", "政策兑现/人才政策", "区人社局", "accepted", 1, nature="咨询"),
        _c("修船产业扶持资金兑现", "政策兑现/资金补助", "区财政局", "dispatched", 1, **MAJOR),
        _c("拓展LNG船、化学品船修理市场", "经营发展/市场拓展", "区商务局", "in_progress", 2, **MAJOR,
            nature="建议",
        ),
        _c("产值统计与增长分析", "经营发展/产值统计", "区统计局", "rated", 2,
            nature="咨询",
            result="核定本年度产值较专员派驻前增长130%。",
        ),
        _c("引进配套舾装企业落户", "经营发展/招商引资", "区商务局", "new", 1, nature="建议"),
        _c("数字化修船管理系统建设", "经营发展/转型升级", "区经信局", "rated_basic", 9, **MAJOR),
        _c("船舶修理工艺专利申请", "经营发展/知识产权", "区市场监管局", "in_progress", 9),
    ],
    "sensen": [
        _c("二期项目施工许可提前办理", "政府审批/施工许可", "区住建局", "archived", 2, **P1,
            result="采用告知承诺制提前核发施工许可，二期项目提前开工。",
        ),
        _c("二期项目竣工验收", "政府审批/竣工验收", "区住建局", "in_progress", 3, **MAJOR,
            tasks=(
                ("市自然资源和规划局定海分局", "done", "规划核实已通过"),
                ("区消防救援大队", "done", "消防验收已通过"),
                ("区生态环境分局", "signed", "环保设施竣工验收备案"),
            ),
        ),
        _c("老厂区环评补办", "政府审批/环评", "区生态环境分局", "in_progress", 9, **MAJOR,
            tasks=(
                ("市生态环境局", "pending", "补办环评的市级审查意见"),
            ),
        ),
    ],
    "lvyou": [
        _c("引进新能源品牌车企2家", "经营发展/招商引资", "区商务局", "archived", 2, **MAJOR,
            result="两家新能源汽车品牌已签约入驻。",
        ),
        _c("旗下酒店转型疫情防控隔离酒店", "经营发展/转型升级", "区卫健局", "archived", 1, **P1,
            result="酒店按隔离酒店标准完成改造并通过验收。",
            comment="经济效益和社会效益双丰收",
        ),
    ],
    "jutai": [
        _c("年产20万吨新能源电池正极原材料项目用地报批", "要素保障/用地", "市自然资源和规划局定海分局",
            "archived", 2, **P1,
            description="项目总投资35亿元，落户定海工业园区。",
            result="项目用地已完成报批并挂牌出让。",
        ),
        _c("正极原材料项目环评审批", "政府审批/环评", "区生态环境分局", "in_progress", 2, **MAJOR,
            tasks=(
                ("市生态环境局", "signed", "环评报告书技术评估"),
            ),
        ),
        _c("项目施工用电专线接入", "要素保障/用电", "区供电公司", "resolved", 2, **URGENT),
        _c("项目建设期用工招聘", "要素保障/用工", "区人社局", "dispatched", 1),
        _c("项目节能审查", "政府审批/能评", "区发改局", "accepted", 1, **MAJOR),
        _c("园区配套道路与管网接入", "要素保障/物流运输", "定海工业园区管委会", "in_progress", 2),
    ],
    "lianghai": [
        _c("小包装自动化生产车间项目竣工验收", "政府审批/竣工验收", "区住建局", "archived", 2, **P1,
            result="车间通过联合竣工验收，企业提前投产。",
            tasks=(
                ("海洋农商银行", "done", "在建工程抵押解押已办结"),
                ("市自然资源和规划局定海分局", "done", "规划核实已通过"),
            ),
        ),
        _c("粮食储备库消防改造", "安全环保/消防", "区消防救援大队", "in_progress", 1),
        _c("自动化包装设备购置贷款", "要素保障/融资", "海洋农商银行", "rated", 2),
    ],
    "taipingyang": [
        _c("技改项目审批（区工作专班协商）", "政府审批/项目立项", "区工作专班", "in_progress", 2, **MAJOR,
            description="联系区工作专班开展协商，简化审批手续，缩短审批周期。",
            tasks=(
                ("区发改局", "done", "技改项目备案已完成"),
                ("区经信局", "done", "已纳入技改项目库"),
                ("区住建局", "pending", "施工图联合审查"),
                ("区应急管理局", "signed", "安全设施设计审查"),
            ),
        ),
        _c("技改设备进口减免税咨询", "政策兑现/税收优惠", "区商务局", "rated", 2,
            nature="咨询",
            tasks=(
                ("舟山海关", "done", "已确认设备属于免税目录"),
            ),
        ),
    ],
    "hongye": [
        _c("建筑业企业资质升级", "政府审批/资质许可", "区住建局", "in_progress", 2, **MAJOR),
        _c("农民工工资保证金返还", "政策兑现/资金补助", "区人社局", "rated", 2),
        _c("水利工程投标资格咨询", "经营发展/市场拓展", "区水利局", "rated", 1, nature="咨询"),
    ],
}
# fmt: on
