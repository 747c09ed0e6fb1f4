"""Hot-issue mining (热点问题): the algorithm, the hot_issues command and the /insight/hot/ page."""

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from lianxin.appeals.services import appeal_submit
from lianxin.core.calendar import LOCAL
from lianxin.insight.hot import Message, find_hot_issues

from .appeals_helpers import fast_passwords  # noqa: F401 - autouse in this module

REAL = Path(__file__).resolve().parent.parent / "data" / "teddy2020" / "hot-issues-messages.xlsx"
HEADER = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"]
T0 = datetime(2019, 11, 1, 9, 0, tzinfo=LOCAL)

MIXER = [
    (
        "A2区丽发新城小区附近搅拌站噪音扰民",
        "丽发新城小区旁边的搅拌站日夜施工，噪音和粉尘严重影响居民休息。",
    ),
    ("丽发新城附近违建搅拌站，粉尘噪音污染严重", "A2区丽发新城小区旁搅拌站粉尘大，晚上噪音扰民。"),
    ("投诉丽发新城小区附近搅拌站噪音", "搅拌站就在丽发新城小区旁边，噪音很大，请环保部门处理。"),
    ("丽发新城搅拌站严重扰民", "丽发新城居民深受搅拌站噪音和粉尘之苦，希望尽快搬走搅拌站。"),
]
PARKING = [
    ("伊景园滨河苑捆绑销售车位", "A市伊景园滨河苑要求购房必须同时购买车位，捆绑销售不合法。"),
    ("投诉伊景园滨河苑强制捆绑车位销售", "伊景园滨河苑开发商强行捆绑销售车位，侵害购房者权益。"),
    (
        "伊景园滨河苑车位捆绑销售是否合法",
        "购买伊景园滨河苑的房子被要求捆绑购买车位，请相关部门查处。",
    ),
]
OTHERS = [
    ("A5区魅力之城小区油烟扰民", "魅力之城小区临街门面油烟直排，烧烤夜宵摊扰民。"),
    ("A3区润芳园小区油烟扰民", "润芳园小区临街门面油烟直排，烧烤夜宵摊扰民。"),
    ("A7县某村自来水水压不足", "我们村的自来水水压太低，高处用户用不上水。"),
    ("建议增加公交线路", "希望开通到高铁站的公交线路，方便市民出行。"),
    ("咨询社保卡补办", "社保卡丢失了，请问如何补办，需要哪些材料？"),
]


def _messages(groups):
    out, n = [], 0
    for group, likes in groups:
        for k, (title, detail) in enumerate(group):
            n += 1
            out.append(
                Message(
                    id=str(1000 + n),
                    user=f"U{n}",
                    title=title,
                    detail=detail,
                    time=T0 + timedelta(days=n),
                    likes=likes if k == 0 else 0,
                )
            )
    return out


def test_messages_about_one_matter_at_one_place_form_one_issue_and_rank_by_heat():
    messages = _messages([(MIXER, 3), (PARKING, 1), (OTHERS, 0)])
    issues = find_hot_issues(messages, top=5)
    assert len(issues) == 2  # the rest are single messages or different places
    mixer, parking = issues
    assert {m.title for m in mixer.members} == {t for t, _ in MIXER}
    assert {m.title for m in parking.members} == {t for t, _ in PARKING}
    assert "丽发新城" in mixer.place and "伊景园" in parking.place
    assert mixer.heat > parking.heat  # more citizens, more likes
    assert mixer.users == 4 and mixer.likes == 3
    assert mixer.time_range == f"{mixer.start:%Y/%m/%d} 至 {mixer.end:%Y/%m/%d}"


def test_the_same_complaint_about_two_different_places_is_two_matters():
    messages = _messages([(OTHERS[:2] * 2, 0)])
    issues = find_hot_issues(messages, top=5)
    for issue in issues:
        assert len({m.title for m in issue.members}) == 1  # 魅力之城 never joins 润芳园


# Places the hot-issue pages once cut wrong: the tail of a town glued to its village, an estate
# continued into the matter ("…小区电梯"), and the government a message appeals to.
DAWAN = [
    (
        "大湾村好几头猪突然死了",
        "桥头镇大湾村3组我家养的猪这两天死了三头，发烧不吃食，怕是猪瘟，请兽医来看看。",
    ),
    (
        "大湾村路边沟里有死猪",
        "桥头镇大湾村村口水沟里有两头死猪，没人处理，天热很臭，担心传染给别家的猪。",
    ),
    (
        "大湾村邻居家猪发病",
        "桥头镇大湾村5组邻居家十几头猪发病，有的已经病死，请畜牧部门尽快来处理。",
    ),
]
XINGLIN = [
    (
        "杏林雅苑小区电梯经常困人",
        "M3县杏林雅苑小区从竣工开始电梯就经常死机，部分电梯异响，存在安全隐患。",
    ),
    ("投诉杏林雅苑电梯质量问题", "杏林雅苑小区的电梯三天两头坏，物业不管，请质监部门检查。"),
    ("杏林雅苑小区电梯故障频发", "我住在杏林雅苑，小区电梯经常停运，老人上下楼很困难。"),
]
WAGES = [
    (
        "J市建筑工地拖欠农民工工资",
        "我们在J市一工地干活半年，老板拖欠工资不给，希望党和政府为农民工做主。",
    ),
    (
        "J市工地老板拖欠农民工工资半年",
        "J市一工地老板拖欠我们农民工工资，请党和政府帮我们讨回血汗钱。",
    ),
    ("J市农民工工资被拖欠", "相信党和政府，J市工地拖欠农民工工资问题请尽快解决。"),
]
BUSES = [
    ("G市公交车班次太少", "G市公交车班次太少，等一趟要一个小时，希望政府增加班次。"),
    ("G市公交车太难等了", "G市的公交车班次少，上班经常迟到，希望政府多开几趟。"),
    ("建议G市增加公交车班次", "G市公交车班次少、间隔长，希望政府增加车辆和班次。"),
]


def test_places_are_whole_names_and_never_the_government():
    messages = _messages(
        [(MIXER, 0), (PARKING, 0), (DAWAN, 0), (XINGLIN, 0), (WAGES, 0), (BUSES, 0), (OTHERS, 0)]
    )
    places = {}
    for issue in find_hot_issues(messages, top=10):
        for group in (MIXER, PARKING, DAWAN, XINGLIN, WAGES, BUSES):
            if {m.title for m in issue.members} >= {t for t, _ in group}:
                places[group[0][0]] = issue.place
    assert places[DAWAN[0][0]] == "桥头镇大湾村"
    assert places[XINGLIN[0][0]].endswith("杏林雅苑小区")
    assert places[WAGES[0][0]] == "J市农民工"
    assert places[BUSES[0][0]] == "G市"
    assert "丽发新城" in places[MIXER[0][0]] and "伊景园滨河苑" in places[PARKING[0][0]]


def _write_csv(path: Path, rows, header=HEADER):
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _rows(messages):
    return [
        [
            m.id,
            m.user,
            m.title,
            m.time.strftime("%Y/%m/%d %H:%M:%S"),
            "\n\t" + m.detail + "\t",
            m.dislikes,
            m.likes,
        ]
        for m in messages
    ]


def test_command_writes_the_issue_table_and_the_member_table(tmp_path):
    messages = _messages([(MIXER, 3), (PARKING, 1), (OTHERS, 0)])
    src = _write_csv(tmp_path / "messages.csv", _rows(messages))
    out = tmp_path / "out"
    call_command("hot_issues", "--in", str(src), "--top", "5", "--out", str(out))
    table = list(load_workbook(out / "热点问题表.xlsx").active.iter_rows(values_only=True))
    assert table[0] == ("热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述")
    assert [r[0] for r in table[1:]] == [1, 2]
    assert "丽发新城" in table[1][4] and " 至 " in table[1][3]
    details = list(
        load_workbook(out / "热点问题留言明细表.xlsx").active.iter_rows(values_only=True)
    )
    assert details[0] == (
        "问题ID",
        "留言编号",
        "留言用户",
        "留言主题",
        "留言时间",
        "留言详情",
        "点赞数",
        "反对数",
    )
    by_issue = {}
    for row in details[1:]:
        by_issue.setdefault(row[0], set()).add(row[3])
    assert by_issue == {1: {t for t, _ in MIXER}, 2: {t for t, _ in PARKING}}
    first = next(r for r in details[1:] if r[3] == MIXER[0][0])
    assert first[5] == MIXER[0][1] and first[6] == 3  # detail trimmed, likes carried


def test_a_file_without_votes_is_mined_with_no_likes(tmp_path):
    """An export of the hotline's own records has no 点赞数/反对数: the same issues come out."""
    messages = _messages([(MIXER, 3), (PARKING, 1), (OTHERS, 0)])
    src = _write_csv(tmp_path / "messages.csv", [r[:5] for r in _rows(messages)], HEADER[:5])
    out = tmp_path / "out"
    call_command("hot_issues", "--in", str(src), "--top", "5", "--out", str(out))
    details = list(
        load_workbook(out / "热点问题留言明细表.xlsx").active.iter_rows(values_only=True)
    )
    assert {row[0] for row in details[1:]} == {1, 2}
    assert {(row[6], row[7]) for row in details[1:]} == {(0, 0)}


@pytest.mark.parametrize("case", ["missing-column", "bad-date", "bad-number", "missing-file"])
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, case):
    messages = _messages([(MIXER, 0)])
    rows = _rows(messages)
    header = HEADER
    if case == "missing-column":
        header = [h for h in HEADER if h != "留言时间"]
        rows = [r[:3] + r[4:] for r in rows]
    elif case == "bad-date":
        rows[1][3] = "去年冬天"
    elif case == "bad-number":
        rows[2][6] = "很多"
    src = tmp_path / "messages.csv"
    if case != "missing-file":
        _write_csv(src, rows, header)
    out = tmp_path / "out"
    expected = {
        "missing-column": "留言时间",
        "bad-date": "去年冬天",
        "bad-number": "点赞数",
        "missing-file": "no such file",
    }[case]
    with pytest.raises(CommandError, match=expected):
        call_command("hot_issues", "--in", str(src), "--top", "5", "--out", str(out))
    assert not out.exists()


def test_real_file_top_five_holds_the_three_known_hot_issues(tmp_path):
    """The award-winning teams' hottest issues on the Teddy Cup data, found as three separate
    issues among the top 5, each made of messages about that matter."""
    out = tmp_path / "out"
    call_command("hot_issues", "--in", str(REAL), "--top", "5", "--out", str(out))
    details = list(
        load_workbook(out / "热点问题留言明细表.xlsx").active.iter_rows(values_only=True)
    )
    members: dict[int, list[str]] = {}
    for row in details[1:]:
        members.setdefault(row[0], []).append(f"{row[3]} {row[5]}")

    def issue_about(*words):
        found = [
            i
            for i, texts in members.items()
            if sum(all(w in t for w in words) for t in texts) >= 0.8 * len(texts)
        ]
        assert found, words
        return found[0], members[found[0]]

    mixer, texts = issue_about("丽发")
    assert sum("搅拌" in t for t in texts) >= 0.8 * len(texts) and len(texts) >= 30
    parking, texts = issue_about("滨河苑")
    assert sum("车位" in t for t in texts) >= 0.7 * len(texts) and len(texts) >= 30
    talent, texts = issue_about("补贴")
    assert sum("人才" in t for t in texts) >= 0.8 * len(texts) and len(texts) >= 10
    assert len({mixer, parking, talent}) == 3


@pytest.fixture
def hot_appeals(people):
    made = []
    for title, content in MIXER + PARKING + OTHERS[2:]:
        appeal, _created = appeal_submit(
            title=title, content=content, contact_phone=f"138{len(made):08d}"
        )
        made.append(appeal)
    return made


@pytest.mark.django_db
def test_hot_page_is_for_dispatchers_leaders_and_supervisors(client, people, hot_appeals):
    url = reverse("insight:hot")
    client.force_login(people["vet_handler"])
    assert client.get(url).status_code == 403
    client.force_login(people["citizen"])
    assert client.get(url).status_code == 403
    client.force_login(people["dispatcher"])
    page = client.get(url + "?days=7")
    assert page.status_code == 200
    html = page.content.decode()
    assert "丽发新城" in html and "伊景园" in html
    assert reverse("insight:hot-issue", args=[7, 1]) in html


@pytest.mark.django_db
def test_issue_page_links_each_member_appeal_to_its_detail(client, people, hot_appeals):
    client.force_login(people["dispatcher"])
    page = client.get(reverse("insight:hot-issue", args=[30, 1]))
    assert page.status_code == 200
    html = page.content.decode()
    mixer = [a for a in hot_appeals if a.title in {t for t, _ in MIXER}]
    for appeal in mixer:
        assert reverse("appeals:detail", args=[appeal.tracking_number]) in html
    assert reverse("appeals:detail", args=[hot_appeals[-1].tracking_number]) not in html
    assert client.get(reverse("insight:hot-issue", args=[30, 99])).status_code == 404
    client.force_login(people["vet_handler"])
    assert client.get(reverse("insight:hot-issue", args=[30, 1])).status_code == 403


@pytest.mark.django_db
def test_hot_page_explains_the_heat_index_in_words_not_a_file_path(client, people, hot_appeals):
    client.force_login(people["dispatcher"])
    html = client.get(reverse("insight:hot")).content.decode()
    assert "docs/" not in html and ".md" not in html
    assert "热度指数" in html and "不同的群众" in html
