"""Static vocabulary of the demo city (临沂-shaped): divisions, departments, names, phrases.

Everything here is plain data in a fixed order, so the generator's draws are reproducible.
Division names follow 临沂's 行政区划 (the townships are real-looking, not an official list);
the nine work groups and the counties they cover follow 临沂 2019 方案 Annex 1, the bureau's
sections (工作组) and the nine measures with their 牵头领导 its part 二. Person names are
generated from the surname and given-name lists below, never taken from the notices.
"""

from __future__ import annotations

from typing import Final

CITY: Final = ("371300", "临沂市")
PROVINCE: Final = ("370000", "山东省")
BASIS_119: Final = "临应急发〔2019〕119号"
#: the ready policies the demo city adopts: the campaign, and the provincial rule it quotes
CAMPAIGN_POLICY: Final = "POL-371300-2019-119"
PROVINCE_POLICY: Final = "POL-370000-ILLEGAL-SITES"

#: (code, name, kind, short name, township names): 12 counties/districts and 4 development zones
COUNTIES: Final[tuple[tuple[str, str, str, str, tuple[str, ...]], ...]] = (
    ("371302", "兰山区", "county", "兰山", ("兰山街道", "银雀山街道", "金雀山街道", "柳青街道", "枣园镇", "义堂镇",
                                           "白沙埠镇", "李官镇", "方城镇", "汪沟镇", "朱保镇", "半程镇")),
    ("371311", "罗庄区", "county", "罗庄", ("罗庄街道", "傅庄街道", "盛庄街道", "册山街道", "高都街道", "沂堂镇",
                                           "褚墩镇", "黄山镇")),
    ("371312", "河东区", "county", "河东", ("九曲街道", "凤凰岭街道", "太平街道", "相公街道", "汤头街道",
                                           "刘店子街道", "汤河镇", "郑旺镇", "八湖镇", "重沟镇")),
    ("371321", "沂南县", "county", "沂南", ("界湖街道", "岸堤镇", "孙祖镇", "双堠镇", "青驼镇", "张庄镇", "砖埠镇",
                                           "葛沟镇", "杨家坡镇", "大庄镇", "辛集镇", "蒲汪镇", "湖头镇", "苏村镇")),
    ("371322", "郯城县", "county", "郯城", ("郯城街道", "马头镇", "重坊镇", "李庄镇", "杨集镇", "港上镇",
                                           "高峰头镇", "庙山镇", "红花镇", "胜利镇", "花园乡", "归昌乡", "泉源乡")),
    ("371323", "沂水县", "county", "沂水", ("沂城街道", "龙家圈街道", "道托镇", "高庄镇", "许家湖镇", "黄山铺镇",
                                           "诸葛镇", "崔家峪镇", "四十里堡镇", "杨庄镇", "夏蔚镇", "沙沟镇", "高桥镇",
                                           "马站镇", "院东头镇", "富官庄镇", "泉庄镇")),
    ("371324", "兰陵县", "county", "兰陵", ("卞庄街道", "苍山街道", "向城镇", "长城镇", "磨山镇", "神山镇", "车辋镇",
                                           "尚岩镇", "兰陵镇", "层山镇", "庄坞镇", "南桥镇", "新兴镇", "大仲村镇",
                                           "矿坑镇", "芦柞镇")),
    ("371325", "费县", "county", "费县", ("费城街道", "上冶镇", "薛庄镇", "探沂镇", "朱田镇", "梁邱镇", "新庄镇",
                                         "马庄镇", "胡阳镇", "石井镇", "东蒙镇", "大田庄乡")),
    ("371326", "平邑县", "county", "平邑", ("平邑街道", "仲村镇", "武台镇", "保太镇", "丰阳镇", "卞桥镇", "地方镇",
                                           "铜石镇", "温水镇", "流峪镇", "郑城镇", "白彦镇", "临涧镇")),
    ("371327", "莒南县", "county", "莒南", ("十字路街道", "大店镇", "坊前镇", "坪上镇", "石莲子镇", "岭泉镇",
                                           "筵宾镇", "涝坡镇", "道口镇", "相沟镇", "洙边镇", "文疃镇", "板泉镇",
                                           "朱芦镇")),
    ("371328", "蒙阴县", "county", "蒙阴", ("蒙阴街道", "常路镇", "岱崮镇", "坦埠镇", "垛庄镇", "高都镇", "野店镇",
                                           "桃墟镇", "联城镇", "旧寨乡")),
    ("371329", "临沭县", "county", "临沭", ("临沭街道", "郑山街道", "蛟龙镇", "大兴镇", "石门镇", "曹庄镇",
                                           "南古镇", "玉山镇", "店头镇")),
    ("371371", "临沂高新技术产业开发区", "dev_zone", "高新区", ("罗西街道", "马厂湖镇", "新桥街道")),
    ("371372", "临沂经济技术开发区", "dev_zone", "经开区", ("朝阳街道", "沂河街道")),
    ("371373", "临沂临港经济开发区", "dev_zone", "临港区", ("团林镇", "壮岗镇")),
    ("371374", "蒙山旅游度假区", "dev_zone", "蒙山", ("柏林镇",)),
)  # fmt: skip

#: the nine 包县区督导工作组 of Annex 1 (named 包县区督导工作组一组 …, each led by a 县级干部 of the
#: bureau): (number, Chinese ordinal, counties covered, deputies, members)
WORK_GROUPS: Final = (
    (1, "一", ("371311", "371371"), 2, 2),
    (2, "二", ("371302", "371324"), 2, 2),
    (3, "三", ("371327", "371373"), 2, 2),
    (4, "四", ("371312", "371329"), 2, 2),
    (5, "五", ("371321", "371328"), 2, 2),
    (6, "六", ("371325", "371372"), 2, 2),
    (7, "七", ("371326", "371374"), 2, 2),
    (8, "八", ("371323",), 1, 1),
    (9, "九", ("371322",), 1, 1),
)
#: Annex 2: the ten dispatch meetings of Q4 2019 (month, day, dispatcher: 0 = 专项督查组, n = group n)
DISPATCH_MEETINGS: Final = (
    (10, 25, 0), (11, 1, 2), (11, 8, 4), (11, 15, 5), (11, 22, 6),
    (11, 29, 9), (12, 6, 2), (12, 13, 4), (12, 20, 9), (12, 27, 0),
)  # fmt: skip

#: city departments: (suffix, name, kind, parent suffix or "" for the city)
CITY_DEPARTMENTS: Final = (
    ("YJJ", "临沂市应急管理局", "department", ""),
    ("ZJJ", "临沂市住房和城乡建设局", "department", ""),
    ("JTJ", "临沂市交通运输局", "department", ""),
    ("SCJ", "临沂市市场监督管理局", "department", ""),
    ("JYJ", "临沂市教育局", "department", ""),
    ("WJW", "临沂市卫生健康委员会", "department", ""),
    ("WLJ", "临沂市文化和旅游局", "department", ""),
    ("FGW", "临沂市发展和改革委员会", "department", ""),
    ("XF", "临沂市消防救援支队", "department", ""),
    ("AWH", "临沂市安全生产委员会", "committee", ""),
    ("ZXDC", "市专项督查工作组", "work_group", ""),
)
#: the bureau's sections (工作组) the notice names as 责任科室单位: (suffix, name)
BUREAU_SECTIONS: Final = (
    ("ZHXT", "市应急局安全生产综合协调工作组"),
    ("AWB", "市应急局市安委会办公室工作组"),
    ("WHP", "市应急局危化品安全监管工作组"),
    ("JC", "市应急局安全生产基础工作组"),
    ("FXJC", "市应急局风险监测和综合减灾工作组"),
    ("PXKS", "市应急局培训考试工作组"),
    ("ZCFG", "市应急局政策法规工作组"),
    ("XWXC", "市应急局新闻宣传工作组"),
    ("HZFZ", "市应急局火灾防治工作组"),
    ("JGDJ", "市应急局机关党建工作组"),
    ("ZF", "市应急局监察支队"),
)
#: 二、工作措施: the nine measures, their 牵头领导 (by the work group they lead; 0 = every group's
#: leader, for the counties it covers) and 责任科室单位, as the notice names them
CAMPAIGN_MEASURES: Final = (
    ("（一）常态长效开展执法评估", (2,), "安全生产综合协调工作组、市安委会办公室工作组"),
    ("（二）成立专班实施攻坚治理", (2,), "市安委会办公室工作组"),
    ("（三）力量下沉实行三级联保", (0,), "各县区局、各包县区督导工作组"),
    ("（四）严厉打击非法违法行为", (2,), "市安委会办公室工作组、各县区局"),
    ("（五）全员考试提升安全素质", (6,), "市安委会办公室工作组、培训考试工作组"),
    ("（六）化解风险闭环整治隐患", (4, 5, 9), "危化品安全监管工作组、安全生产基础工作组、风险监测和综合减灾工作组"),
    ("（七）群众参与推动社会共治", (3, 5), "政策法规工作组、新闻宣传工作组、监察支队举报投诉室"),
    (
        "（八）电话测评严抓涉众领域",
        (2, 4, 6),
        "安全生产综合协调工作组、危化品安全监管工作组、火灾防治工作组、市安委会办公室工作组",
    ),
    ("（九）对表对标做好迎查准备", (2,), "安全生产综合协调工作组、机关党建工作组"),
)
#: 二(五)1: the industries whose above-scale principals sit the exam by 12-13; 二(五)3: the
#: 应急管理系统's own industries, whose 负责人 who fail may not stay in post (the rest: a letter)
EXAM_INDUSTRIES: Final = (
    "non_coal_mine", "hazardous_chemicals", "fireworks", "metallurgy", "nonferrous", "building_materials",
    "machinery", "light_industry", "textile", "tobacco", "commerce",
)  # fmt: skip
#: 二(五)2: the other key industries whose principals are examined too (a failure: a letter, 二(五)3)
EXAM_ALSO: Final = ("road_transport", "construction", "special_equipment")
STOP_MEASURES: Final = ("查封设备，清除原料，断水断电", "责令停止违法行为，没收非法产品", "拆除生产设施，移交公安机关",
                        "联合执法取缔，清理现场")  # fmt: skip
VISIT_NOTES: Final = (
    "现场办公，协调解决隐患整改资金问题",
    "现场办公，调度九项措施落实情况",
    "现场办公，督导打非治违工作",
    "现场办公，听取县区局工作汇报",
    "现场办公，研究重大隐患挂牌督办",
)

#: county departments: suffix → name pattern ({} = county name)
COUNTY_DEPARTMENTS: Final = (
    ("YJJ", "{}应急管理局"),
    ("ZJJ", "{}住房和城乡建设局"),
    ("JTJ", "{}交通运输局"),
    ("SCJ", "{}市场监督管理局"),
    ("JYJ", "{}教育和体育局"),
    ("WJJ", "{}卫生健康局"),
    ("WLJ", "{}文化和旅游局"),
    ("FGJ", "{}发展和改革局"),
    ("XF", "{}消防救援大队"),
)

#: industry → (weight %, county department suffix, section title, name words)
INDUSTRY_TABLE: Final = {
    "coal_mine": (0.3, "YJJ", "煤矿安全监管股股长", ("煤业", "矿业")),
    "non_coal_mine": (3.0, "YJJ", "非煤矿山安全监管股股长", ("矿业", "石材", "石料")),
    "hazardous_chemicals": (8.0, "YJJ", "危化品安全监管股股长", ("化工", "精细化工", "化学", "石化")),
    "fireworks": (0.8, "YJJ", "烟花爆竹安全监管股股长", ("烟花爆竹", "花炮")),
    "metallurgy": (4.0, "YJJ", "冶金行业安全监管股股长", ("钢铁", "冶金", "特钢", "铸造")),
    "nonferrous": (1.5, "YJJ", "有色行业安全监管股股长", ("铝业", "铜业", "有色金属")),
    "building_materials": (8.0, "YJJ", "建材行业安全监管股股长", ("建材", "水泥", "新型建材", "陶瓷")),
    "machinery": (11.0, "YJJ", "机械行业安全监管股股长", ("机械", "重工", "机械制造", "工程机械")),
    "light_industry": (11.0, "YJJ", "轻工行业安全监管股股长", ("木业", "板材", "食品", "包装", "家具")),
    "textile": (4.0, "YJJ", "纺织行业安全监管股股长", ("纺织", "服饰", "织造")),
    "tobacco": (0.2, "YJJ", "烟草行业安全监管股股长", ("烟草",)),
    "commerce": (12.0, "YJJ", "商贸行业安全监管股股长", ("商贸", "物流", "商城", "批发市场")),
    "construction": (10.0, "ZJJ", "建筑安全监督站站长", ("建筑工程", "建设", "建工", "路桥工程")),
    "road_transport": (6.0, "JTJ", "道路运输安全监管科科长", ("运输", "物流运输", "客运", "汽车运输")),
    "water_transport": (0.4, "JTJ", "水上交通安全监管科科长", ("航运", "船务")),
    "fire_safety": (4.0, "XF", "防火监督科科长", ("酒店", "商业广场", "娱乐", "宾馆")),
    "special_equipment": (3.0, "SCJ", "特种设备安全监察科科长", ("锅炉", "起重设备", "压力容器", "电梯工程")),
    "gas": (1.5, "ZJJ", "燃气管理科科长", ("燃气", "天然气", "液化气")),
    "power": (1.0, "FGJ", "能源和电力科科长", ("电力", "热电", "新能源")),
    "education": (2.0, "JYJ", "安全管理科科长", ("学校", "职业培训学校")),
    "health": (2.0, "WJJ", "安全管理科科长", ("医院", "卫生院", "康复中心")),
    "tourism": (1.3, "WLJ", "安全监管科科长", ("旅游开发", "景区管理", "旅行社")),
    "other": (3.0, "YJJ", "综合监管股股长", ("实业", "科技", "发展")),
}
RISK_WEIGHTS: Final = (("red", 3), ("orange", 12), ("yellow", 45), ("blue", 40))
RISK_FACTOR: Final = {"red": 1.7, "orange": 1.3, "yellow": 1.0, "blue": 0.7}

SURNAMES: Final = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
    "庄颜葛卜伦齐厉褚房"
)
#: the common surnames weigh more (王李张刘陈 …)
SURNAME_WEIGHTS: Final = tuple(max(1, 24 - i) for i in range(len(SURNAMES)))
GIVEN: Final = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红娥玲芬燕彬斌辉鹏飞宇浩凯晨鑫峰建国志"
    "庆广福海波涛亮成德俊生龙云泽文博东升瑞雪梅晓宁瑶佳欣悦怡婷雅琳颖琦洁莉慧倩丹鸿儒振兴守义家和"
)
BRAND_CHARS: Final = "鑫源恒达永盛顺通东方华泰金鼎宏远瑞丰嘉禾昌隆祥润海天信诚新宇正大兴旺富康隆基利民天元汇丰中联佳和"
ROADS: Final = ("沂蒙路", "临西一路", "通达路", "解放路", "蒙山大道", "北京路", "工业大道", "滨河路", "启阳路",
                "沂河路", "金雀山路", "兴业路", "长安路", "双岭路", "红旗路")  # fmt: skip

HAZARD_TEXTS: Final = {
    "general": (
        ("消防", "消防通道堵塞"), ("消防", "灭火器过期未更换"), ("消防", "应急照明失效"),
        ("用电", "配电箱未接地"), ("用电", "私拉乱接临时电线"), ("机械", "设备防护罩缺失"),
        ("作业", "高处作业未系安全带"), ("管理", "安全培训记录不全"), ("管理", "特种作业人员无证上岗"),
        ("管理", "应急预案未演练"), ("设施", "平台护栏缺失"), ("设施", "安全警示标志缺失"),
        ("危化", "危化品储存未分类分区"), ("粉尘", "除尘系统未定期清理"), ("有限空间", "有限空间作业未审批"),
        ("特种设备", "压力表未定期校验"), ("交通", "车辆动态监控不在线"), ("燃气", "燃气报警器失效"),
    ),
    "major": (
        ("危化", "储罐区可燃气体报警装置失效"), ("危化", "重大危险源未实现自动化控制"),
        ("粉尘", "粉尘涉爆车间未设置泄爆装置"), ("矿山", "采空区未按设计治理"),
        ("冶金", "高炉煤气区域未设固定式报警"), ("建筑", "深基坑未按方案支护"),
        ("消防", "人员密集场所安全出口封堵"), ("燃气", "燃气管道占压"),
    ),
}  # fmt: skip
MEASURES: Final = ("立即整改到位", "更换设备并建立台账", "清理通道，设置禁停标识", "加装防护设施",
                   "组织专项培训", "完善制度并组织演练", "委托专业单位维修", "停用并更换合格产品")  # fmt: skip
PROGRESS: Final = ("整改方案已制定，正在实施", "设备已订货，等待安装", "施工单位已进场", "完成整改工程量过半",
                   "资金已落实，按计划推进")  # fmt: skip
ACCIDENT_TEXTS: Final = ("机械伤害", "高处坠落", "物体打击", "触电", "起重伤害", "车辆伤害", "中毒和窒息",
                         "火灾", "坍塌", "灼烫")  # fmt: skip
ILLEGAL_SITES: Final = ("无证非法加工烟花爆竹窝点", "非法储存经营成品油窝点", "无证非法开采石料", "非法充装液化气窝点",
                        "无证非法生产化工产品作坊", "非法储存危险化学品窝点")  # fmt: skip
EXPERT_FIELDS: Final = ("危化", "矿山", "冶金", "建筑", "消防", "电气", "特种设备", "粉尘防爆")
