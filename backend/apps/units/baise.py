"""The Baise unit tree: the city detachment and its 12 county-level brigades."""

CITY = {
    "name": "百色市公安局交通警察支队",
    "adcode": "451000",
    "phone": "0776-2822122",
    "address": "百色市右江区城东大道",
    "lng": 106.6185,
    "lat": 23.9026,
}

# (adcode, county, brigade phone). Phones are the brigades' published duty numbers where known;
# deployments edit them in 单位管理.
COUNTIES = [
    ("451002", "右江区", "0776-2825122"),
    ("451003", "田阳区", "0776-3212122"),
    ("451022", "田东县", "0776-5212122"),
    ("451024", "德保县", "0776-3822122"),
    ("451026", "那坡县", "0776-6822122"),
    ("451027", "凌云县", "0776-7612122"),
    ("451028", "乐业县", "0776-7922122"),
    ("451029", "田林县", "0776-7212122"),
    ("451030", "西林县", "0776-8682122"),
    ("451031", "隆林各族自治县", "0776-8212122"),
    ("451081", "靖西市", "0776-6212122"),
    ("451082", "平果市", "0776-5822122"),
]


def brigade_name(county: str) -> str:
    return f"{county}交警大队"
