#include "demo/demo_generator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "areas/area_store.hpp"
#include "audit/audit_log.hpp"
#include "core/identity.hpp"
#include "core/principal.hpp"
#include "core/text.hpp"
#include "db/sql.hpp"
#include "health/health.hpp"
#include "health/health_store.hpp"
#include "health/tracer.hpp"
#include "movement/movement.hpp"
#include "movement/movement_store.hpp"
#include "people/people_store.hpp"
#include "risks/risk.hpp"
#include "risks/risk_store.hpp"
#include "warnings/warning_service.hpp"
#include "warnings/warning_store.hpp"

namespace firstline::demo {
namespace {

using core::AreaLevel;
using core::Date;
using core::Millis;
using Rng = std::mt19937_64;
using Words = std::span<const std::string_view>;

constexpr Millis kDay = 86'400'000;
// Residents written per transaction (whole grids; the last grid may overshoot).
constexpr std::int64_t kBatchResidents = 100'000;

// ------------------------------------------------------------------ randomness
// Draws are written out instead of using <random>'s distributions, whose
// results differ between standard libraries: a seed must give the same demo
// everywhere. The modulo bias is negligible for the small ranges used here.

std::uint64_t below(Rng& rng, std::uint64_t n) { return rng() % n; }
int between(Rng& rng, int lo, int hi) { return lo + static_cast<int>(below(rng, static_cast<std::uint64_t>(hi - lo + 1))); }
double unit(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
bool chance(Rng& rng, double p) { return unit(rng) < p; }
std::string_view pick(Rng& rng, Words words) { return words[below(rng, words.size())]; }
/// Favours the front of a list ordered by frequency.
std::string_view pick_skewed(Rng& rng, Words words, double power) {
  const auto i = static_cast<std::size_t>(std::pow(unit(rng), power) * static_cast<double>(words.size()));
  return words[std::min(i, words.size() - 1)];
}
/// Index drawn with the given relative weights.
std::size_t weighted(Rng& rng, std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = unit(rng) * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return weights.size() - 1;
}
template <class T>
void shuffle(Rng& rng, std::vector<T>& v) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(rng, i)]);
}

// ------------------------------------------------------------------ word lists
// Place names are invented (combinations of common words); surnames are ordered
// by frequency; given names follow the fashions of three generations.

constexpr std::string_view kStreetStems[] = {
    "和平", "幸福", "光明", "朝晖", "安康", "长青", "东风", "建设", "新华", "育才", "春晖", "兴隆",
    "永安", "晨光", "锦绣", "瑞祥", "祥和", "康乐", "文华", "振兴", "百花", "松林", "柳荫", "安华"};
constexpr std::string_view kPlaceStems[] = {
    "金台", "银河", "枣林", "槐树", "杨柳", "芳草", "丽景", "紫薇", "华侨", "东湖", "西坝", "南湖", "北辰", "青年", "光华",
    "红庙", "团结", "望湖", "翠城", "龙潭", "桃园", "梨园", "松榆", "石佛", "荣华", "富力", "远洋", "星河", "嘉禾", "玉兰"};
constexpr std::string_view kCommunitySuffixes[] = {"北里", "南里", "东里", "西里", "家园", "花园", "新村", "嘉园", "中里", "小区"};
constexpr std::string_view kRoadStems[] = {
    "安定", "和顺", "金盏", "青年", "望京", "育新", "永乐", "兴华", "春秀", "惠民", "民族", "丰收", "启明", "星火",
    "翠微", "长虹", "兴业", "文化", "体育", "科技", "交通", "通惠", "百子", "华威", "广渠", "双花", "石门", "松花",
    "宏达", "东坝", "十里", "朝晖", "红星", "胜利", "前进", "向阳", "友谊", "新源", "工人", "花园"};
constexpr std::string_view kRoadSuffixes[] = {"路", "街", "大街", "中路"};
constexpr std::string_view kCompoundSuffixes[] = {"家园", "小区", "花园", "嘉园", "公寓", "新村", "苑", "雅居", "名苑", "家属院"};
constexpr std::string_view kShopStems[] = {"惠民", "便民", "鑫隆", "丰泰", "利民", "福满", "百佳", "佳和", "盛华", "鸿运"};
constexpr std::string_view kShopKinds[] = {"超市", "便利店", "菜市场", "药房", "餐厅", "五金店", "理发店", "早餐店"};
constexpr std::string_view kSchoolKinds[] = {"小学", "幼儿园", "中学"};
constexpr std::string_view kOfficeKinds[] = {"大厦", "商务中心", "科技大厦", "国际中心"};

constexpr std::string_view kSurnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
    "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
    "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
    "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "汤",
    "常", "温", "康", "施", "文", "牛", "樊", "葛", "邢", "安", "齐", "易", "乔", "伍", "庞", "颜", "倪", "庄", "聂", "章",
    "鲁", "岳", "翟", "殷", "詹", "申", "耿", "关", "兰", "焦", "俞", "左", "柳", "甘", "祝", "包", "宁", "尚", "符", "舒",
    "阮", "柯", "纪", "梅", "童", "凌", "毕", "单", "季", "裴", "霍", "涂", "成", "苗", "谷", "盛", "曲", "翁", "冉", "骆"};
constexpr std::string_view kCompoundSurnames[] = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫"};

// Whole given names and one-character given names, by generation and sex.
constexpr std::string_view kOldMale[] = {"建国", "建华", "国强", "志强", "振华", "德明", "永明", "卫东", "建军", "国庆",
                                         "福生", "宝山", "长林", "金生", "树林", "德福", "文华", "玉林", "广才", "春生",
                                         "洪涛", "国栋", "学军", "永强", "跃进", "援朝", "爱国", "红旗", "新民", "立新"};
constexpr std::string_view kOldFemale[] = {"秀英", "桂英", "秀兰", "玉兰", "桂兰", "淑珍", "凤英", "玉梅", "秀珍", "丽华",
                                           "淑英", "玉珍", "美兰", "红梅", "素芬", "桂芳", "秀云", "玉芬", "淑兰", "凤兰",
                                           "桂珍", "淑华", "秀芳", "丽英", "彩霞", "金凤", "玉华", "爱华", "凤琴", "兰英"};
constexpr std::string_view kMidMale[] = {"海涛", "晓东", "志刚", "建伟", "俊杰", "文博", "宏伟", "晓峰", "志明", "海波",
                                         "立新", "春雷", "建平", "鹏飞", "永刚", "振宇", "晓明", "国华", "志伟", "剑锋",
                                         "云龙", "海军", "东升", "伟光", "俊峰", "红兵", "文斌", "志勇", "明亮", "金龙"};
constexpr std::string_view kMidFemale[] = {"丽娟", "晓燕", "海燕", "春梅", "雪梅", "晓红", "丽丽", "婷婷", "晓丽", "慧敏",
                                           "秀梅", "艳红", "丽萍", "晓霞", "雪莲", "丽君", "春燕", "建英", "晓梅", "美玲",
                                           "小红", "翠萍", "丽娜", "海霞", "红艳", "晓静", "文静", "亚楠", "玉洁", "晶晶"};
constexpr std::string_view kYoungMale[] = {"子轩", "浩宇", "宇轩", "梓豪", "俊熙", "一鸣", "浩然", "博文", "睿泽", "皓轩",
                                           "子墨", "明轩", "奕辰", "宇航", "嘉豪", "天佑", "沐宸", "思远", "梓睿", "铭泽",
                                           "俊宇", "昊然", "锦程", "家乐", "志远", "晨阳", "宇辰", "逸飞", "嘉懿", "承泽"};
constexpr std::string_view kYoungFemale[] = {"梓涵", "一诺", "欣怡", "子涵", "雨涵", "诗涵", "可馨", "梓萱", "思琪", "语桐",
                                             "若汐", "欣妍", "佳怡", "雨桐", "紫萱", "芷若", "晨曦", "梦瑶", "诗琪", "心怡",
                                             "嘉怡", "雨欣", "思涵", "依诺", "安琪", "婉清", "静怡", "亦菲", "书瑶", "语嫣"};
constexpr std::string_view kOldMaleSingle[] = {"军", "强", "伟", "勇", "刚", "明", "华", "斌", "林", "平", "忠", "武"};
constexpr std::string_view kOldFemaleSingle[] = {"芳", "英", "兰", "霞", "琴", "萍", "敏", "丽", "梅", "珍", "华", "红"};
constexpr std::string_view kMidMaleSingle[] = {"伟", "磊", "勇", "军", "杰", "涛", "斌", "超", "明", "刚",
                                               "鹏", "辉", "强", "健", "宇", "浩", "亮", "峰", "波", "鑫"};
constexpr std::string_view kMidFemaleSingle[] = {"静", "丽", "敏", "燕", "艳", "娟", "霞", "婷", "玲", "洁",
                                                 "颖", "莉", "倩", "琳", "蕾", "娜", "晶", "雪", "薇", "瑶"};
constexpr std::string_view kYoungMaleSingle[] = {"航", "宇", "轩", "浩", "博", "睿", "哲", "晨", "阳", "毅"};
constexpr std::string_view kYoungFemaleSingle[] = {"萱", "涵", "琪", "悦", "彤", "怡", "妍", "瑶", "茜", "诺"};
// Characters combined into two-character given names.
constexpr std::string_view kMaleFirst[] = {"子", "浩", "宇", "俊", "文", "志", "建", "明", "永", "海",
                                           "晓", "立", "国", "家", "嘉", "天", "鹏", "振", "树", "德"};
constexpr std::string_view kMaleSecond[] = {"轩", "宇", "杰", "涛", "明", "华", "强", "军", "博", "然",
                                            "辰", "峰", "伟", "鑫", "磊", "平", "林", "成", "龙", "斌"};
constexpr std::string_view kFemaleFirst[] = {"雨", "欣", "思", "佳", "晓", "丽", "秀", "春", "雪", "梦",
                                             "诗", "婉", "静", "慧", "美", "玉", "若", "心", "紫", "亚"};
constexpr std::string_view kFemaleSecond[] = {"涵", "怡", "琪", "萱", "婷", "燕", "娟", "梅", "兰", "芳",
                                              "丽", "颖", "雯", "洁", "悦", "琳", "霞", "萍", "璐", "娜"};

// GB/T 2260 county-level codes. The demo district is 110105; other Beijing
// districts are birthplaces of long-term residents; the rest are where
// migrants' identity numbers were issued, most frequent first.
constexpr std::string_view kDistrictCode = "110105";
constexpr std::string_view kDistrictName = "示范区";
constexpr std::string_view kBeijingCodes[] = {"110101", "110102", "110106", "110107", "110108", "110114", "110115"};
constexpr std::string_view kMigrantCodes[] = {
    "130104", "130602", "131002", "410102", "370102", "130203", "411302", "341202", "130702", "412702",
    "371302", "120101", "140105", "230102", "220102", "210102", "150102", "340102", "420102", "430102",
    "360102", "510104", "500101", "610102", "370202", "320102", "620102", "450102", "350102", "440103"};
constexpr std::string_view kMobilePrefixes[] = {"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
                                                "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
                                                "176", "177", "178", "180", "181", "182", "183", "184", "185", "186",
                                                "187", "188", "189", "191", "198", "199"};

/// Mobile numbers, each given to one person only (dedupe by phone must not
/// find false twins in the demo).
class PhoneBook {
 public:
  std::string mobile(Rng& rng) {
    for (;;) {
      const auto prefix = pick(rng, kMobilePrefixes);
      const auto rest = below(rng, 100'000'000);
      auto number = fmt::format("{}{:08d}", prefix, rest);
      if (used_.insert(std::stoull(number)).second) return number;
    }
  }

 private:
  std::unordered_set<std::uint64_t> used_;
};

std::string landline(Rng& rng) {
  const int exchange = between(rng, 5, 8);
  return fmt::format("010-{}{:07d}", exchange, below(rng, 10'000'000));
}
/// Two words drawn in order and joined.
std::string compose(Rng& rng, Words first, Words second) {
  std::string out(pick(rng, first));
  out += pick(rng, second);
  return out;
}

std::string number_name(int n) {
  static constexpr std::string_view kDigits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
  if (n <= 10) return std::string(kDigits[n]);
  if (n < 20) return fmt::format("十{}", kDigits[n % 10]);
  return fmt::format("{}十{}", kDigits[n / 10], n % 10 ? kDigits[n % 10] : "");
}

// ------------------------------------------------------------------ layout
// Grids are cells of one lattice around central Chaoyang; every area above is
// the bounding rectangle of its children. Rows count from the north.

constexpr double kCentreLon = 116.48, kCentreLat = 39.92;
constexpr double kCellLon = 0.0015, kCellLat = 0.0012;  // about 128 m x 133 m

struct Lattice {
  int cols = 1, rows = 1;
  int size() const { return cols * rows; }
};

struct Layout {
  Lattice streets, communities, grids;  // children per parent
  int residents_per_grid = 500;          // average; each grid varies by ±15 %
};

Layout layout_of(Scale scale) {
  switch (scale) {
    case Scale::community: return {{1, 1}, {1, 1}, {4, 3}, 850};     // 12 grids, ~10 k residents
    case Scale::street: return {{1, 1}, {4, 3}, {4, 3}, 1050};       // 144 grids, ~150 k
    case Scale::district: return {{5, 4}, {2, 5}, {5, 2}, 500};      // 20 streets, 200 communities, 2,000 grids, ~1 M
  }
  throw std::invalid_argument("unknown demo scale");
}

std::string_view scale_key(Scale scale) {
  switch (scale) {
    case Scale::community: return "community";
    case Scale::street: return "street";
    case Scale::district: return "district";
  }
  return "?";
}

struct Rect {
  double west = 0, south = 0, east = 0, north = 0;
  Rect united(const Rect& o) const {
    return {std::min(west, o.west), std::min(south, o.south), std::max(east, o.east), std::max(north, o.north)};
  }
};

/// A closed GeoJSON Polygon ring, counter-clockwise as RFC 7946 asks.
std::string polygon_geojson(const Rect& r) {
  return fmt::format(
      "{{\"type\":\"Polygon\",\"coordinates\":[[[{0:.6f},{1:.6f}],[{2:.6f},{1:.6f}],[{2:.6f},{3:.6f}],"
      "[{0:.6f},{3:.6f}],[{0:.6f},{1:.6f}]]]}}",
      r.west, r.south, r.east, r.north);
}

struct PlannedArea {
  AreaLevel level = AreaLevel::grid;
  std::string code, name, responsible, phone;
  std::string base_name;  // community name without "社区", for its grids and services
  int parent = -1;        // index into the plan
  Rect rect;
  int col = 0, row = 0;   // grids: cell in the district lattice
  int number = 0;         // grids: sequence within the community
};

// ------------------------------------------------------------------ people

enum class Generation { old, middle, young };

Generation generation_of(int birth_year) {
  if (birth_year < 1965) return Generation::old;
  if (birth_year < 1995) return Generation::middle;
  return Generation::young;
}

std::string surname(Rng& rng) {
  if (chance(rng, 0.005)) return std::string(pick(rng, kCompoundSurnames));
  return std::string(pick_skewed(rng, kSurnames, 2.2));
}

std::string given_name(Rng& rng, char sex, int birth_year) {
  const bool male = sex == 'M';
  const auto gen = generation_of(birth_year);
  const double single = gen == Generation::middle ? 0.35 : 0.15;
  if (chance(rng, single)) {
    switch (gen) {
      case Generation::old: return std::string(pick(rng, male ? Words(kOldMaleSingle) : Words(kOldFemaleSingle)));
      case Generation::middle: return std::string(pick(rng, male ? Words(kMidMaleSingle) : Words(kMidFemaleSingle)));
      case Generation::young: return std::string(pick(rng, male ? Words(kYoungMaleSingle) : Words(kYoungFemaleSingle)));
    }
  }
  if (chance(rng, 0.6)) {
    switch (gen) {
      case Generation::old: return std::string(pick(rng, male ? Words(kOldMale) : Words(kOldFemale)));
      case Generation::middle: return std::string(pick(rng, male ? Words(kMidMale) : Words(kMidFemale)));
      case Generation::young: return std::string(pick(rng, male ? Words(kYoungMale) : Words(kYoungFemale)));
    }
  }
  std::string out(pick(rng, male ? Words(kMaleFirst) : Words(kFemaleFirst)));
  out += pick(rng, male ? Words(kMaleSecond) : Words(kFemaleSecond));
  return out;
}

std::string full_name(Rng& rng, char sex, int birth_year) {
  auto name = surname(rng);
  return name + given_name(rng, sex, birth_year);
}

/// Whole years from `birth` to `today`.
int age_on(Date birth, Date today) {
  int age = today.year - birth.year;
  if (today.month < birth.month || (today.month == birth.month && today.day < birth.day)) --age;
  return age;
}

/// Issues GB 11643 numbers that are unique in the demo: a sequence per
/// address code and birth date, odd for men and even for women.
class IdNumbers {
 public:
  /// The number for a person born on `birth` (moved a day earlier in the rare
  /// case that the day's sequences are used up).
  std::string issue(Rng& rng, std::string_view address_code, Date& birth, char sex) {
    for (;;) {
      const std::int64_t key = std::stoll(std::string(address_code)) * 100'000'000LL + birth.year * 10'000 +
                               birth.month * 100 + birth.day;
      auto [it, fresh] = next_.try_emplace(key);
      if (fresh) {
        it->second[0] = static_cast<std::uint16_t>(2 * between(rng, 0, 150) + 1);  // men: odd
        it->second[1] = static_cast<std::uint16_t>(2 * between(rng, 0, 150) + 2);  // women: even
      }
      auto& seq = it->second[sex == 'M' ? 0 : 1];
      if (seq <= 999) {
        const auto first17 = fmt::format("{}{:04d}{:02d}{:02d}{:03d}", address_code, birth.year, birth.month,
                                         birth.day, seq);
        seq = static_cast<std::uint16_t>(seq + 2);
        return first17 + core::id_number_check_char(first17);
      }
      birth = Date::from_days(birth.days_since_epoch() - 1);
    }
  }

 private:
  std::unordered_map<std::int64_t, std::array<std::uint16_t, 2>> next_;
};

/// One member of a household before it is written.
struct Member {
  std::string relation;  // head, spouse, child, parent, grandchild, other
  char sex = 'M';
  int age = 30;          // target age in years
  std::string surname;
  std::string address_code;
};

/// Builds the members of one household: who lives together, their ages,
/// surnames and where their identity numbers were issued.
class HouseholdComposer {
 public:
  explicit HouseholdComposer(Rng& rng) : rng_(rng) {}

  std::vector<Member> compose(int size, bool tenant) {
    members_.clear();
    tenant_ = tenant;
    family_code_ = tenant ? std::string(pick_skewed(rng_, kMigrantCodes, 1.6)) : std::string();
    switch (size) {
      case 1: single(); break;
      case 2: two(); break;
      case 3: three(); break;
      case 4: four(); break;
      case 5: five(); break;
      default: six(); break;
    }
    return std::move(members_);
  }

 private:
  char random_sex() { return chance(rng_, 0.5) ? 'M' : 'F'; }

  std::string code_for_adult() {
    if (tenant_) return family_code_;
    if (chance(rng_, 0.85)) return std::string(kDistrictCode);
    return std::string(pick(rng_, kBeijingCodes));
  }
  // Children born here are registered here; migrants' children keep the
  // family's registration at home.
  std::string code_for_child(const std::string& parent_code) {
    if (tenant_) return parent_code;
    return chance(rng_, 0.9) ? std::string(kDistrictCode) : parent_code;
  }

  // Every random draw below sits in its own statement: the order in which a
  // call's arguments are evaluated is unspecified, and the demo must not
  // depend on the compiler.
  void add(std::string relation, char sex, int age, std::string surname, std::string code) {
    members_.push_back(Member{std::move(relation), sex, std::max(age, 0), std::move(surname), std::move(code)});
  }

  void head(int age, char sex) {
    auto name = surname(rng_);
    auto code = code_for_adult();
    add("head", sex, age, std::move(name), std::move(code));
  }
  // A married couple; its head is the husband three times in four.
  void couple(int head_age) {
    const char sex = chance(rng_, 0.75) ? 'M' : 'F';
    head(head_age, sex);
    const int spouse_age = sex == 'M' ? head_age + between(rng_, -6, 2) : head_age + between(rng_, -2, 6);
    auto name = surname(rng_);
    auto code = code_for_adult();
    add("spouse", sex == 'M' ? 'F' : 'M', std::max(spouse_age, 20), std::move(name), std::move(code));
  }
  // Surname of the father among the first two members (or the head's).
  std::string family_surname() const {
    for (std::size_t i = 0; i < members_.size() && i < 2; ++i) {
      if (members_[i].sex == 'M') return members_[i].surname;
    }
    return members_.front().surname;
  }
  int mother_age() const {
    for (std::size_t i = 0; i < members_.size() && i < 2; ++i) {
      if (members_[i].sex == 'F') return members_[i].age;
    }
    return members_.front().age;
  }
  void child(int age, std::string relation = "child") {
    const char sex = random_sex();
    auto code = code_for_child(members_.front().address_code);
    add(std::move(relation), sex, age, family_surname(), std::move(code));
  }
  // Children of the mother (the head's wife, or the head): the first born
  // when she was 23–36 (never in the future), each next one 2–7 years later.
  void children(int count) {
    const int mother = mother_age();
    const int hi = std::clamp(mother, 0, 36);
    int age = mother - between(rng_, std::min(23, hi), hi);
    std::vector<int> ages;
    for (int i = 0; i < count; ++i) {
      ages.push_back(age);
      age -= between(rng_, 2, 7);
    }
    // A younger child not yet born moves everyone up: no pile of newborns.
    if (ages.back() < 0) {
      const int shift = -ages.back();
      for (auto& a : ages) a += shift;
    }
    for (int a : ages) child(a);
  }
  // Parents of the head: the father carries the head's surname.
  void parents(int count) {
    const int base = std::min(members_.front().age + between(rng_, 24, 34), 97);
    const std::string head_surname = members_.front().surname;
    const std::string code = members_.front().address_code;
    if (count >= 2) {
      add("parent", 'M', base, head_surname, code);
      const int age = base - between(rng_, 0, 4);
      add("parent", 'F', age, surname(rng_), code);
    } else if (chance(rng_, 0.65)) {
      add("parent", 'F', base, surname(rng_), code);  // widows outnumber widowers
    } else {
      add("parent", 'M', base, head_surname, code);
    }
  }
  // Unrelated young adults renting a flat together (合租).
  void shared_rental(int count) {
    for (int i = 0; i < count; ++i) {
      const int age = between(rng_, 21, 38);
      const char sex = random_sex();
      auto name = surname(rng_);
      // Each brings the identity number issued where they come from.
      auto code = i == 0 ? family_code_ : std::string(pick_skewed(rng_, kMigrantCodes, 1.6));
      add(i == 0 ? "head" : "other", sex, age, std::move(name), std::move(code));
    }
  }
  // A head of the given age range and of sex 'F' with probability `female`.
  void head_between(int lo, int hi, double female) {
    const int age = between(rng_, lo, hi);
    const char sex = chance(rng_, female) ? 'F' : 'M';
    head(age, sex);
  }

  void single() {
    if (tenant_) {
      head_between(20, 48, 0.5);
    } else if (chance(rng_, 0.4)) {
      head_between(60, 93, 0.62);
    } else {
      head_between(22, 59, 0.5);
    }
  }
  void two() {
    if (tenant_) {
      if (chance(rng_, 0.6)) couple(between(rng_, 22, 40));
      else shared_rental(2);
      return;
    }
    const double r = unit(rng_);
    if (r < 0.58) {
      couple(chance(rng_, 0.45) ? between(rng_, 60, 86) : between(rng_, 24, 59));
    } else if (r < 0.78) {
      head_between(32, 56, 0.7);  // single parent
      children(1);
    } else {
      head_between(35, 62, 0.5);  // an adult child living with an old parent
      parents(1);
    }
  }
  void three() {
    if (tenant_ && chance(rng_, 0.3)) return shared_rental(3);
    if (!tenant_ && chance(rng_, 0.22)) {
      couple(between(rng_, 56, 78));  // old couple with a grown-up child
      child(members_.front().age - between(rng_, 25, 33));
      return;
    }
    couple(between(rng_, 29, 58));
    children(1);
  }
  void four() {
    if (!tenant_ && chance(rng_, 0.25)) {
      couple(between(rng_, 55, 72));  // three generations headed by the grandparents
      child(members_.front().age - between(rng_, 24, 32));
      const int parent_age = members_.back().age;
      int age = between(rng_, 0, 3);
      if (parent_age >= 24) {
        const int gap = between(rng_, 24, 34);
        age = std::max(parent_age - gap, between(rng_, 0, 6));
      }
      child(age, "grandchild");
      return;
    }
    couple(between(rng_, 30, 50));
    if (chance(rng_, 0.5)) {
      children(2);
    } else {
      children(1);
      parents(1);
    }
  }
  void five() {
    couple(between(rng_, 29, 46));
    if (chance(rng_, 0.55)) {
      children(1);
      parents(2);
    } else {
      children(2);
      parents(1);
    }
  }
  void six() {
    couple(between(rng_, 30, 46));
    children(2);
    parents(2);
  }

  Rng& rng_;
  bool tenant_ = false;
  std::string family_code_;
  std::vector<Member> members_;
};

// ------------------------------------------------------------------ writing

/// A service building written by GridFiller, later also a place that scans.
struct ServiceSite {
  std::int64_t grid_id = 0;
  int grid = 0;  // index into the plan
  std::string name, address;
  std::string_view building_kind;
  double latitude = 0, longitude = 0;
};

/// What the scan simulation needs to know of a resident.
struct Mover {
  std::int64_t id = 0, household_id = 0, grid_id = 0;
  int grid = 0;  // index into the plan
  int age = 0;
  bool chronic = false;
  bool commutes = false;  // to an office or school (set by the movement simulation)
};

struct Context {
  Rng rng;
  Date today;
  Millis now = 0;
  std::int64_t verifier_id = 0;  // user recorded as having verified households
  IdNumbers ids;
  PhoneBook phones;
  std::vector<std::string> ns_roads, ew_roads;  // by lattice column and row
  DemoSummary summary;
  std::optional<std::int64_t> first_head_id;    // head of the first household written
  std::vector<ServiceSite> services;             // in the order written
  std::vector<Mover> movers;                     // every resident, in id order
};

/// Fills one grid with buildings, households and residents, on `conn` inside
/// the caller's transaction.
class GridFiller {
 public:
  GridFiller(Context& ctx, db::Connection& conn, const PlannedArea& grid, std::int64_t grid_id, int target_residents)
      : ctx_(ctx), rng_(ctx.rng), conn_(conn), grid_(grid), grid_id_(grid_id), target_(target_residents),
        composer_(ctx.rng) {}

  /// `grid_index` is the grid's index in the plan.
  void fill(int grid_index) {
    grid_index_ = grid_index;
    services();
    while (residents_ < target_) compound();
  }

 private:
  // The next street address in this grid: alternately on the east–west road
  // of its row and the north–south road of its column, numbered so that no
  // two grids share a number on the same road.
  std::string next_address() {
    const bool ew = (address_count_++ % 2) == 0;
    if (ew) return fmt::format("{}{}号", ctx_.ew_roads[grid_.row], grid_.col * 20 + 1 + ew_used_++);
    return fmt::format("{}{}号", ctx_.ns_roads[grid_.col], grid_.row * 20 + 1 + ns_used_++);
  }

  std::pair<double, double> spot() {
    const auto& r = grid_.rect;
    return {r.south + (0.08 + 0.84 * unit(rng_)) * (r.north - r.south),
            r.west + (0.08 + 0.84 * unit(rng_)) * (r.east - r.west)};
  }

  std::int64_t building(std::string name, std::string address, std::string_view kind, int floors) {
    people::Building b;
    b.area_id = grid_id_;
    b.name = std::move(name);
    b.address = std::move(address);
    b.kind = std::string(kind);
    b.floors = floors;
    auto [lat, lon] = spot();
    b.latitude = std::round(lat * 1e6) / 1e6;
    b.longitude = std::round(lon * 1e6) / 1e6;
    last_spot_ = {*b.latitude, *b.longitude};
    ++ctx_.summary.buildings;
    return people::PeopleStore::insert_building(conn_, std::move(b), ctx_.now).id;
  }

  void service(std::string name, std::string_view kind, int min_floors, int max_floors) {
    auto address = next_address();
    const int floors = between(rng_, min_floors, max_floors);
    ServiceSite site{grid_id_, grid_index_, name, address, kind, 0, 0};
    building(std::move(name), std::move(address), kind, floors);
    site.latitude = last_spot_.first;
    site.longitude = last_spot_.second;
    ctx_.services.push_back(std::move(site));
  }

  // Shops in every grid; a clinic, school or office in some; the community's
  // service centre in its first grid.
  void services() {
    if (grid_.number == 1) service(fmt::format("{}社区党群服务中心", grid_.base_name), "public", 2, 3);
    const int shops = between(rng_, 1, 2);
    for (int i = 0; i < shops; ++i) service(compose(rng_, kShopStems, kShopKinds), "commercial", 1, 3);
    if (chance(rng_, 0.2)) service(fmt::format("{}社区卫生服务站", grid_.base_name), "clinic", 2, 3);
    if (chance(rng_, 0.12)) service(compose(rng_, kPlaceStems, kSchoolKinds), "school", 3, 5);
    if (chance(rng_, 0.25)) service(compose(rng_, kRoadStems, kOfficeKinds), "office", 12, 30);
  }

  // A residential compound (小区): old walk-ups of five or six floors, or
  // newer high-rises; flats are filled until the grid has its residents.
  void compound() {
    const bool old = chance(rng_, 0.55);
    const std::string name = compose(rng_, kPlaceStems, kCompoundSuffixes);
    const std::string address = next_address() + "院";
    const int count = old ? between(rng_, 3, 8) : between(rng_, 2, 5);
    for (int n = 1; n <= count && residents_ < target_; ++n) {
      const int floors = old ? between(rng_, 5, 6) : between(rng_, 11, 26);
      const int units = old ? between(rng_, 2, 4) : between(rng_, 1, 2);
      const int per_floor = old ? 2 : between(rng_, 2, 4);
      const std::string building_address = fmt::format("{}{}号楼", address, n);
      const auto building_id =
          building(fmt::format("{}{}号楼", name, n), building_address, "residential", floors);
      for (int unit = 1; unit <= units; ++unit) {
        for (int floor = 1; floor <= floors; ++floor) {
          for (int room = 1; room <= per_floor; ++room) {
            if (residents_ >= target_) return;
            if (chance(rng_, 0.08)) continue;  // vacant flat
            household(building_id, fmt::format("{}{}单元{}{:02d}", building_address, unit, floor, room));
          }
        }
      }
    }
  }

  void household(std::int64_t building_id, std::string address) {
    const bool tenant = chance(rng_, 0.2);
    static constexpr double kLocalSizes[] = {0.19, 0.30, 0.27, 0.12, 0.08, 0.04};
    static constexpr double kTenantSizes[] = {0.35, 0.33, 0.22, 0.08, 0.02, 0.0};
    const int size = 1 + static_cast<int>(weighted(rng_, tenant ? kTenantSizes : kLocalSizes));
    auto members = composer_.compose(size, tenant);

    people::Household h;
    h.area_id = grid_id_;
    h.building_id = building_id;
    h.address = std::move(address);
    h = people::PeopleStore::insert_household(conn_, std::move(h), ctx_.now);
    ++ctx_.summary.households;

    std::int64_t head_id = 0;
    std::optional<std::string> phone;
    const bool spouse_present = members.size() > 1 && members[1].relation == "spouse";
    for (auto& m : members) {
      const bool married = spouse_present && (m.relation == "head" || m.relation == "spouse");
      auto r = resident(m, h.id, static_cast<int>(members.size()), tenant, married);
      if (m.relation == "head") head_id = r.id;
      if (!phone && r.phone) phone = r.phone;
    }
    h.head_resident_id = head_id;
    h.phone = phone;
    people::PeopleStore::update_household(conn_, h, ctx_.now);
    if (chance(rng_, 0.85)) {
      const Millis at = ctx_.now - static_cast<Millis>(below(rng_, 90 * kDay));
      people::PeopleStore::set_household_verified(conn_, h.id, at, ctx_.verifier_id, ctx_.now);
    }
    if (!ctx_.first_head_id) ctx_.first_head_id = head_id;
  }

  people::Resident resident(Member& m, std::int64_t household_id, int household_size, bool tenant, bool married) {
    // Born on a random day of the year that ends on the target birthday.
    Date anchor{ctx_.today.year - m.age, ctx_.today.month, std::min(ctx_.today.day, 28)};
    Date birth = Date::from_days(anchor.days_since_epoch() - between(rng_, 0, 364));
    const auto id_number = ctx_.ids.issue(rng_, m.address_code, birth, m.sex);
    const int age = age_on(birth, ctx_.today);

    people::Resident r;
    r.area_id = grid_id_;
    r.household_id = household_id;
    r.name = m.surname + given_name(rng_, m.sex, birth.year);
    r.document_type = "resident_id";
    r.id_number = id_number;
    r.birth_date = birth.to_string();
    r.sex = std::string(1, m.sex);
    r.relation = m.relation;
    const bool has_phone = age >= 18 ? (age < 80 || chance(rng_, 0.7)) : age >= 12 && chance(rng_, 0.6);
    if (has_phone) r.phone = ctx_.phones.mobile(rng_);

    auto& tags = r.tags;
    if (age < 14) tags.emplace_back("child");
    if (age >= 60) tags.emplace_back("elderly");
    if (age >= 60 && household_size == 1) tags.emplace_back("elderly_alone");
    if (chance(rng_, age >= 60 ? 0.05 : 0.01)) tags.emplace_back("disabled");
    if (age >= 50 && chance(rng_, age >= 70 ? 0.2 : age >= 60 ? 0.15 : 0.1)) tags.emplace_back("chronic_illness");
    if (m.sex == 'F' && age >= 20 && age <= 40 && chance(rng_, married ? 0.016 : 0.004)) tags.emplace_back("pregnant");
    if (tenant) {
      tags.emplace_back("tenant");
      tags.emplace_back("migrant");
    }
    if (age >= 18 && chance(rng_, age >= 60 ? 0.1 : 0.06)) tags.emplace_back("party_member");
    if (age >= 16 && age <= 75 && chance(rng_, 0.037)) tags.emplace_back("volunteer");
    std::sort(tags.begin(), tags.end());

    ++ctx_.summary.residents;
    residents_ += 1;
    const bool chronic = std::find(tags.begin(), tags.end(), "chronic_illness") != tags.end();
    auto written = people::PeopleStore::insert_resident(conn_, std::move(r), ctx_.now);
    ctx_.movers.push_back(Mover{written.id, household_id, grid_id_, grid_index_, age, chronic});
    return written;
  }

  Context& ctx_;
  Rng& rng_;
  db::Connection& conn_;
  const PlannedArea& grid_;
  std::int64_t grid_id_;
  int target_;
  HouseholdComposer composer_;
  int residents_ = 0;
  int address_count_ = 0, ew_used_ = 0, ns_used_ = 0;
  int grid_index_ = 0;
  std::pair<double, double> last_spot_;  // latitude, longitude of the last building
};

// ------------------------------------------------------------------ planning

struct Plan {
  std::vector<PlannedArea> areas;  // parents before children
  std::vector<int> streets, communities, grids;  // indexes into areas
};

Plan plan_areas(Rng& rng, PhoneBook& phones, const Layout& layout) {
  Plan plan;
  const int total_cols = layout.streets.cols * layout.communities.cols * layout.grids.cols;
  const int total_rows = layout.streets.rows * layout.communities.rows * layout.grids.rows;
  const double west = kCentreLon - total_cols * kCellLon / 2;
  const double north = kCentreLat + total_rows * kCellLat / 2;
  auto lon_at = [&](int col) { return west + col * kCellLon; };
  auto lat_at = [&](int row) { return north - row * kCellLat; };

  std::vector<std::string_view> street_stems(std::begin(kStreetStems), std::end(kStreetStems));
  shuffle(rng, street_stems);
  std::vector<std::pair<std::string_view, std::string_view>> community_names;
  for (auto stem : kPlaceStems) {
    for (auto suffix : kCommunitySuffixes) community_names.emplace_back(stem, suffix);
  }
  shuffle(rng, community_names);

  auto person = [&](char sex) { return full_name(rng, sex, between(rng, 1965, 1992)); };

  PlannedArea district;
  district.level = AreaLevel::district;
  district.code = std::string(kDistrictCode);
  district.name = std::string(kDistrictName);
  district.responsible = "区应急指挥中心";
  district.phone = landline(rng);
  plan.areas.push_back(district);

  int community_counter = 0;
  for (int s = 0; s < layout.streets.size(); ++s) {
    const int street_index = static_cast<int>(plan.areas.size());
    PlannedArea street;
    street.level = AreaLevel::street;
    street.code = fmt::format("{}{:03d}", kDistrictCode, s + 1);
    street.name = fmt::format("{}街道", street_stems[static_cast<std::size_t>(s) % street_stems.size()]);
    street.responsible = person(chance(rng, 0.6) ? 'M' : 'F');
    street.phone = landline(rng);
    street.parent = 0;
    plan.areas.push_back(street);
    plan.streets.push_back(street_index);
    const int s_col = s % layout.streets.cols, s_row = s / layout.streets.cols;

    for (int c = 0; c < layout.communities.size(); ++c) {
      const int community_index = static_cast<int>(plan.areas.size());
      const auto [stem, suffix] = community_names[static_cast<std::size_t>(community_counter++) % community_names.size()];
      PlannedArea community;
      community.level = AreaLevel::community;
      community.code = fmt::format("{}{:03d}", street.code, c + 1);
      community.base_name = fmt::format("{}{}", stem, suffix);
      community.name = community.base_name + "社区";
      community.responsible = person(chance(rng, 0.5) ? 'M' : 'F');
      community.phone = phones.mobile(rng);
      community.parent = street_index;
      plan.areas.push_back(community);
      plan.communities.push_back(community_index);
      const int c_col = s_col * layout.communities.cols + c % layout.communities.cols;
      const int c_row = s_row * layout.communities.rows + c / layout.communities.cols;

      // Grids are numbered west to east, then north to south.
      for (int g = 0; g < layout.grids.size(); ++g) {
        PlannedArea grid;
        grid.level = AreaLevel::grid;
        grid.number = g + 1;
        grid.code = fmt::format("{}{:03d}", community.code, grid.number);
        grid.base_name = community.base_name;
        grid.name = fmt::format("{}第{}网格", community.base_name, number_name(grid.number));
        grid.responsible = person(chance(rng, 0.5) ? 'M' : 'F');
        grid.phone = phones.mobile(rng);
        grid.parent = community_index;
        grid.col = c_col * layout.grids.cols + g % layout.grids.cols;
        grid.row = c_row * layout.grids.rows + g / layout.grids.cols;
        grid.rect = Rect{lon_at(grid.col), lat_at(grid.row + 1), lon_at(grid.col + 1), lat_at(grid.row)};
        plan.grids.push_back(static_cast<int>(plan.areas.size()));
        plan.areas.push_back(grid);
      }
    }
  }
  // Bounding rectangles, children before parents (the plan is in pre-order).
  std::vector<bool> seen(plan.areas.size(), false);
  for (std::size_t i = plan.areas.size(); i-- > 1;) {
    const auto& child = plan.areas[i];
    auto& parent = plan.areas[static_cast<std::size_t>(child.parent)];
    const auto p = static_cast<std::size_t>(child.parent);
    parent.rect = seen[p] ? parent.rect.united(child.rect) : child.rect;
    seen[p] = true;
  }
  return plan;
}

/// Road names for the lattice: one north–south road per column, one
/// east–west road per row, no name used twice.
void name_roads(Rng& rng, Context& ctx, int cols, int rows) {
  std::vector<std::string_view> stems(std::begin(kRoadStems), std::end(kRoadStems));
  shuffle(rng, stems);
  // Every stem once before any stem twice.
  std::vector<std::string> names;
  const std::size_t suffixes = std::size(kRoadSuffixes);
  for (std::size_t round = 0; round < suffixes; ++round) {
    for (std::size_t i = 0; i < stems.size(); ++i) {
      names.push_back(fmt::format("{}{}", stems[i], kRoadSuffixes[(i + round) % suffixes]));
    }
  }
  const auto need = static_cast<std::size_t>(cols + rows);
  if (need > names.size()) throw std::logic_error("demo: not enough road names");
  ctx.ns_roads.assign(names.begin(), names.begin() + cols);
  ctx.ew_roads.assign(names.begin() + cols, names.begin() + cols + rows);
}

// ------------------------------------------------------------------ movement
// Places and 14 days of scans during an epidemic-control period: each
// household sends someone out to shop every few days, essential workers
// commute (often to offices in other grids and communities), graduating
// classes are back at school and people with chronic illnesses visit the
// clinic. Every trip leaves the home community through one of its gates and
// comes back through one; shop, clinic, office and school visits are an entry
// and an exit (some exits go unscanned). Drawn from a random stream of its own
// (seeded from the demo seed), so the registry data above do not depend on it.

constexpr Millis kMinute = 60'000;
constexpr Millis kLocalOffset = 8 * 60 * kMinute;  // China Standard Time, as MovementOptions
constexpr int kScanDays = 14;
constexpr std::uint64_t kMovementStream = 0x6d6f76656d656e74;  // "movement"

enum class Visit { shop, market, clinic, pharmacy, office, school, other };

struct PlannedPlace {
  movement::Place place;
  Visit visit = Visit::other;
  int community = 0;  // index into Plan::communities
};

/// The places of one community, by what people go there for.
struct CommunityPlaces {
  std::vector<std::size_t> gates, shops, markets, clinics, pharmacies, offices, schools;  // into the place list
  int street = 0;                                                                      // index into the plan
};

/// One scan before it is written.
struct PendingScan {
  Millis ts = 0;
  std::int64_t person_id = 0, place_id = 0, place_area_id = 0, home_area_id = 0;
  double temperature = 0;  // 0: not taken
  bool in = true;
};

class MovementSimulator {
 public:
  MovementSimulator(Context& ctx, const Plan& plan, const std::vector<areas::Area>& written, std::uint64_t seed)
      : ctx_(ctx), plan_(plan), written_(written), rng_(seed ^ kMovementStream) {}

  /// Writes the places of every community, one transaction.
  void write_places(db::Connection& conn) {
    for (std::size_t c = 0; c < plan_.communities.size(); ++c) plan_community(static_cast<int>(c));
    db::in_transaction(conn, db::TxMode::write, [&] {
      for (auto& p : places_) p.place = movement::MovementStore::insert_place(conn, std::move(p.place), ctx_.now);
    });
    ctx_.summary.places = static_cast<std::int64_t>(places_.size());
  }

  /// Writes 14 days of scans ending at the clock's now, one transaction per day.
  void write_scans(db::Connection& conn) {
    assign_roles();
    const Millis first_day = local_midnight(ctx_.now - kScanDays * kDay);
    const Millis oldest = ctx_.now - kScanDays * kDay;
    static constexpr std::string_view kInsert =
        "INSERT INTO scans (client_event_id, place_id, person_id, visitor_id, ts, direction, temperature, "
        "place_area_id, home_area_id, source, recorded_by, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11, $12)";
    db::Params params(12);
    params[3] = db::null();
    params[9] = std::string("device");
    params[10] = db::null();
    std::vector<PendingScan> day_scans;
    for (Millis day = first_day; day <= ctx_.now; day += kDay) {
      day_scans.clear();
      simulate_day(day, day_scans);
      std::erase_if(day_scans, [&](const PendingScan& s) { return s.ts < oldest || s.ts > ctx_.now; });
      std::sort(day_scans.begin(), day_scans.end(), [](const PendingScan& a, const PendingScan& b) {
        return std::tie(a.ts, a.person_id, a.in) < std::tie(b.ts, b.person_id, b.in);
      });
      db::in_transaction(conn, db::TxMode::write, [&] {
        for (const auto& s : day_scans) {
          // Zero-padded so that event ids, like times, only grow: appends to the unique index.
          params[0] = fmt::format("demo-{:09d}", ++ctx_.summary.scans);
          params[1] = s.place_id;
          params[2] = s.person_id;
          params[4] = s.ts;
          params[5] = std::int64_t{s.in ? 1 : 0};
          params[6] = s.temperature > 0 ? db::Value{s.temperature} : db::null();
          params[7] = s.place_area_id;
          params[8] = s.home_area_id;
          params[11] = std::min(s.ts + static_cast<Millis>(s.person_id % 90) * 1000, ctx_.now);  // upload delay
          conn.execute(kInsert, params);
        }
      });
    }
  }

 private:
  struct Role {
    std::int32_t gate = -1;    // usual gate (index into places_)
    std::int32_t office = -1;  // commuters
    std::int32_t school = -1;  // pupils
    bool shopper = false, clinic_goer = false;
  };

  static Millis local_midnight(Millis t) {
    const Millis local = t + kLocalOffset;
    return local - ((local % kDay) + kDay) % kDay - kLocalOffset;
  }

  // ---- places

  std::string place_code() {
    static constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    for (;;) {
      std::string code = "P";
      for (int i = 0; i < 7; ++i) code.push_back(kAlphabet[below(rng_, kAlphabet.size())]);
      if (codes_.insert(code).second) return code;
    }
  }

  std::size_t add_place(int community, int grid, Visit visit, std::string_view kind, std::string name,
                        std::string address, double latitude, double longitude) {
    static constexpr struct {
      Visit visit;
      const char* hours;
      int min_capacity, max_capacity;
    } kTraits[] = {{Visit::shop, "08:00-21:00", 15, 60},      {Visit::market, "06:00-19:00", 150, 400},
                   {Visit::clinic, "08:00-17:30", 30, 80},    {Visit::pharmacy, "08:00-22:00", 10, 30},
                   {Visit::office, "08:30-18:30", 300, 1500}, {Visit::school, "07:30-17:30", 400, 1200},
                   {Visit::other, "06:00-22:00", 20, 60}};
    const auto& traits = kTraits[static_cast<int>(visit)];
    PlannedPlace p;
    p.visit = visit;
    p.community = community;
    p.place.area_id = written_[static_cast<std::size_t>(grid)].id;
    p.place.name = std::move(name);
    p.place.kind = std::string(kind);
    p.place.code = place_code();
    p.place.address = std::move(address);
    p.place.opening_hours = traits.hours;
    p.place.capacity = between(rng_, traits.min_capacity, traits.max_capacity);
    p.place.latitude = std::round(latitude * 1e6) / 1e6;
    p.place.longitude = std::round(longitude * 1e6) / 1e6;
    places_.push_back(std::move(p));
    return places_.size() - 1;
  }

  /// A point well inside a grid.
  std::pair<double, double> inside(const Rect& r) {
    const double lat = r.south + (0.1 + 0.8 * unit(rng_)) * (r.north - r.south);
    const double lon = r.west + (0.1 + 0.8 * unit(rng_)) * (r.east - r.west);
    return {lat, lon};
  }

  void plan_community(int c) {
    const int community_index = plan_.communities[static_cast<std::size_t>(c)];
    const auto& community = plan_.areas[static_cast<std::size_t>(community_index)];
    std::vector<int> grids;
    for (int g : plan_.grids) {
      if (plan_.areas[static_cast<std::size_t>(g)].parent == community_index) grids.push_back(g);
    }
    CommunityPlaces cp;
    cp.street = community.parent;
    auto grid_of = [&](int g) -> const PlannedArea& { return plan_.areas[static_cast<std::size_t>(g)]; };

    // Gates: 2 to 4 sides of the community, each in a grid on that side, close to its edge.
    int min_col = std::numeric_limits<int>::max(), max_col = -1, min_row = std::numeric_limits<int>::max(), max_row = -1;
    for (int g : grids) {
      min_col = std::min(min_col, grid_of(g).col);
      max_col = std::max(max_col, grid_of(g).col);
      min_row = std::min(min_row, grid_of(g).row);
      max_row = std::max(max_row, grid_of(g).row);
    }
    struct Side {
      std::string_view name;
      int dcol, drow;  // which edge: -1 west/north, +1 east/south
    };
    std::vector<Side> sides = {{"东门", 1, 0}, {"南门", 0, 1}, {"西门", -1, 0}, {"北门", 0, -1}};
    shuffle(rng_, sides);
    const int gate_count = between(rng_, 2, 4);
    sides.resize(static_cast<std::size_t>(gate_count));
    std::sort(sides.begin(), sides.end(), [](const Side& a, const Side& b) { return a.name < b.name; });
    for (const auto& side : sides) {
      std::vector<int> edge;
      for (int g : grids) {
        const auto& a = grid_of(g);
        if ((side.dcol > 0 && a.col == max_col) || (side.dcol < 0 && a.col == min_col) ||
            (side.drow > 0 && a.row == max_row) || (side.drow < 0 && a.row == min_row)) {
          edge.push_back(g);
        }
      }
      const int g = edge[below(rng_, edge.size())];
      const auto& r = grid_of(g).rect;
      const double along = 0.3 + 0.4 * unit(rng_);
      double lat = r.south + along * (r.north - r.south), lon = r.west + along * (r.east - r.west);
      if (side.dcol > 0) lon = r.east - 0.04 * (r.east - r.west);
      if (side.dcol < 0) lon = r.west + 0.04 * (r.east - r.west);
      if (side.drow > 0) lat = r.south + 0.04 * (r.north - r.south);
      if (side.drow < 0) lat = r.north - 0.04 * (r.north - r.south);
      const auto& road = side.dcol != 0 ? ctx_.ns_roads[static_cast<std::size_t>(grid_of(g).col)]
                                        : ctx_.ew_roads[static_cast<std::size_t>(grid_of(g).row)];
      auto i = add_place(c, g, Visit::other, "checkpoint", fmt::format("{}社区{}", community.base_name, side.name),
                         fmt::format("{}（{}社区{}）", road, community.base_name, side.name), lat, lon);
      places_[i].place.opening_hours = "06:00-22:00";
      places_[i].place.capacity = between(rng_, 20, 50);
      cp.gates.push_back(i);
    }

    // The service buildings of the community's grids.
    for (const auto& site : ctx_.services) {
      if (grid_of(site.grid).parent != community_index) continue;
      Visit visit = Visit::other;
      std::string_view kind = "other";
      if (site.building_kind == "commercial") {
        const bool market = site.name.find("菜市场") != std::string::npos;
        const bool pharmacy = site.name.find("药房") != std::string::npos;
        visit = market ? Visit::market : pharmacy ? Visit::pharmacy : Visit::shop;
        kind = market ? "market" : pharmacy ? "pharmacy" : "shop";
      } else if (site.building_kind == "clinic") {
        visit = Visit::clinic;
        kind = "clinic";
      } else if (site.building_kind == "school") {
        visit = Visit::school;
        kind = "school";
      } else if (site.building_kind == "office") {
        visit = Visit::office;
        kind = "office";
      }
      auto i = add_place(c, site.grid, visit, kind, site.name, site.address, site.latitude, site.longitude);
      file(cp, visit, i);
    }

    // Every community gets at least one market, clinic, pharmacy, school and office.
    auto top_up = [&](Visit visit, std::string_view kind, std::string name) {
      const int g = grids[below(rng_, grids.size())];
      const auto& a = grid_of(g);
      auto [lat, lon] = inside(a.rect);
      auto address = fmt::format("{}{}号", ctx_.ew_roads[static_cast<std::size_t>(a.row)], a.col * 20 + 20 - top_ups_++ % 8);
      file(cp, visit, add_place(c, g, visit, kind, std::move(name), std::move(address), lat, lon));
    };
    if (cp.markets.empty()) top_up(Visit::market, "market", fmt::format("{}菜市场", pick(rng_, kShopStems)));
    if (cp.clinics.empty()) top_up(Visit::clinic, "clinic", fmt::format("{}社区卫生服务站", community.base_name));
    if (cp.pharmacies.empty()) top_up(Visit::pharmacy, "pharmacy", fmt::format("{}大药房", pick(rng_, kShopStems)));
    if (cp.schools.empty()) top_up(Visit::school, "school", compose(rng_, kPlaceStems, kSchoolKinds));
    if (cp.offices.empty()) top_up(Visit::office, "office", compose(rng_, kRoadStems, kOfficeKinds));
    if (cp.shops.size() < 2) top_up(Visit::shop, "shop", compose(rng_, kShopStems, kShopKinds));
    communities_.push_back(std::move(cp));
  }

  static void file(CommunityPlaces& cp, Visit visit, std::size_t i) {
    switch (visit) {
      case Visit::shop: cp.shops.push_back(i); break;
      case Visit::market: cp.markets.push_back(i); break;
      case Visit::clinic: cp.clinics.push_back(i); break;
      case Visit::pharmacy: cp.pharmacies.push_back(i); break;
      case Visit::office: cp.offices.push_back(i); break;
      case Visit::school: cp.schools.push_back(i); break;
      case Visit::other: break;
    }
  }

  // ---- people

  std::size_t any(const std::vector<std::size_t>& v) { return v[below(rng_, v.size())]; }

  /// Who does what: one shopper per household, commuters with an office
  /// (nearby three times in four, anywhere in the district otherwise), pupils
  /// of graduating classes with their community's school, clinic visitors.
  void assign_roles() {
    community_of_grid_.assign(plan_.areas.size(), -1);
    for (std::size_t c = 0; c < plan_.communities.size(); ++c) {
      for (int g : plan_.grids) {
        if (plan_.areas[static_cast<std::size_t>(g)].parent == plan_.communities[c]) {
          community_of_grid_[static_cast<std::size_t>(g)] = static_cast<int>(c);
        }
      }
    }
    std::vector<std::size_t> all_offices;
    for (const auto& cp : communities_) all_offices.insert(all_offices.end(), cp.offices.begin(), cp.offices.end());
    roles_.assign(ctx_.movers.size(), Role{});
    std::size_t i = 0;
    while (i < ctx_.movers.size()) {
      // One household at a time (its members were written together).
      std::size_t end = i;
      while (end < ctx_.movers.size() && ctx_.movers[end].household_id == ctx_.movers[i].household_id) ++end;
      std::vector<std::size_t> adults;
      for (std::size_t k = i; k < end; ++k) {
        if (ctx_.movers[k].age >= 18 && ctx_.movers[k].age <= 75) adults.push_back(k);
      }
      const std::size_t shopper = adults.empty() ? i : adults[below(rng_, adults.size())];
      roles_[shopper].shopper = true;
      for (std::size_t k = i; k < end; ++k) {
        const auto& m = ctx_.movers[k];
        auto& role = roles_[k];
        const auto& cp = communities_[static_cast<std::size_t>(community_of_grid_[static_cast<std::size_t>(m.grid)])];
        role.gate = static_cast<std::int32_t>(any(cp.gates));
        if (m.age >= 20 && m.age <= 59 && chance(rng_, 0.12)) {
          std::size_t office = 0;
          const double r = unit(rng_);
          if (r < 0.45) {
            office = any(cp.offices);
          } else if (r < 0.75) {
            // Another community of the same street, when there is one.
            const auto& other = communities_[below(rng_, communities_.size())];
            office = other.street == cp.street ? any(other.offices) : any(cp.offices);
          } else {
            office = any(all_offices);
          }
          role.office = static_cast<std::int32_t>(office);
        }
        if ((m.age == 14 || m.age == 15 || m.age == 17 || m.age == 18) && chance(rng_, 0.8)) {
          role.school = static_cast<std::int32_t>(any(cp.schools));
        }
        role.clinic_goer = (m.chronic || m.age >= 70) && chance(rng_, 0.6);
        ctx_.movers[k].commutes = role.office >= 0 || role.school >= 0;
      }
      i = end;
    }
  }

  // ---- days

  double temperature() {
    if (chance(rng_, 0.004)) return 37.3 + 0.1 * static_cast<double>(between(rng_, 0, 10));  // a fever
    return 36.0 + 0.1 * static_cast<double>(between(rng_, 0, 12));
  }

  void scan(std::vector<PendingScan>& out, const Mover& m, std::size_t place, Millis ts, bool in, double temp_share) {
    const auto& p = places_[place].place;
    out.push_back(PendingScan{ts, m.id, p.id, p.area_id, m.grid_id, chance(rng_, temp_share) ? temperature() : 0, in});
  }

  /// An entry and, 10 to 60 minutes later, an exit (unscanned one time in ten); returns when the person left.
  Millis visit(std::vector<PendingScan>& out, const Mover& m, std::size_t place, Millis at, double temp_share) {
    scan(out, m, place, at, true, temp_share);
    const Millis left = at + between(rng_, 10, 60) * kMinute;
    if (!chance(rng_, 0.1)) scan(out, m, place, left, false, 0);
    return left;
  }

  Millis minutes(int lo, int hi) { return between(rng_, lo, hi) * kMinute; }

  /// The gate used for this trip: the usual one four times in five.
  std::size_t gate(const Role& role, const CommunityPlaces& cp) {
    return chance(rng_, 0.8) ? static_cast<std::size_t>(role.gate) : any(cp.gates);
  }

  void simulate_day(Millis midnight, std::vector<PendingScan>& out) {
    const auto weekday = ((midnight + kLocalOffset) / kDay + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
    const bool workday = weekday < 5;
    for (std::size_t k = 0; k < ctx_.movers.size(); ++k) {
      const auto& m = ctx_.movers[k];
      const auto& role = roles_[k];
      const auto& cp = communities_[static_cast<std::size_t>(community_of_grid_[static_cast<std::size_t>(m.grid)])];
      if (role.office >= 0 && workday && chance(rng_, 0.9)) {
        // Out of the gate at 7–9, at the office after the ride, home in the evening.
        const bool near = places_[static_cast<std::size_t>(role.office)].community == community_of_grid_[static_cast<std::size_t>(m.grid)];
        const Millis out_at = midnight + minutes(7 * 60, 9 * 60);
        scan(out, m, gate(role, cp), out_at, false, 0);
        const Millis arrive = out_at + (near ? minutes(5, 15) : minutes(15, 50));
        scan(out, m, static_cast<std::size_t>(role.office), arrive, true, 0.9);
        const Millis leave = midnight + minutes(17 * 60, 19 * 60 + 30);
        if (!chance(rng_, 0.05)) scan(out, m, static_cast<std::size_t>(role.office), leave, false, 0);
        Millis home = leave + (near ? minutes(5, 15) : minutes(15, 50));
        if (chance(rng_, 0.25)) home = visit(out, m, any(chance(rng_, 0.5) ? cp.markets : cp.shops), home, 0.4) + minutes(3, 10);
        scan(out, m, gate(role, cp), home, true, 0.9);
        continue;
      }
      if (role.school >= 0 && workday && chance(rng_, 0.95)) {
        const Millis out_at = midnight + minutes(6 * 60 + 50, 7 * 60 + 30);
        scan(out, m, gate(role, cp), out_at, false, 0);
        scan(out, m, static_cast<std::size_t>(role.school), out_at + minutes(5, 20), true, 0.95);
        const Millis leave = midnight + minutes(16 * 60, 17 * 60 + 30);
        scan(out, m, static_cast<std::size_t>(role.school), leave, false, 0);
        scan(out, m, gate(role, cp), leave + minutes(5, 20), true, 0.9);
        continue;
      }
      if (role.clinic_goer && chance(rng_, 0.1)) {
        const Millis out_at = midnight + minutes(7 * 60 + 30, 10 * 60 + 30);
        scan(out, m, gate(role, cp), out_at, false, 0);
        Millis back = visit(out, m, any(cp.clinics), out_at + minutes(5, 20), 1.0);
        if (chance(rng_, 0.5)) back = visit(out, m, any(cp.pharmacies), back + minutes(2, 10), 0.3);
        scan(out, m, gate(role, cp), back + minutes(5, 20), true, 0.9);
        continue;
      }
      if (role.shopper && chance(rng_, 0.25)) {
        // Mornings mostly; one or two stops, markets and shops anywhere in the community.
        Millis at = midnight + (chance(rng_, 0.7) ? minutes(8 * 60, 11 * 60) : minutes(15 * 60, 18 * 60));
        scan(out, m, gate(role, cp), at, false, 0);
        const int stops = chance(rng_, 0.4) ? 2 : 1;
        for (int s = 0; s < stops; ++s) {
          const double r = unit(rng_);
          const auto& kind = r < 0.4 ? cp.markets : r < 0.85 ? cp.shops : cp.pharmacies;
          at = visit(out, m, any(kind), at + minutes(3, 15), 0.4);
        }
        if (!chance(rng_, 0.03)) scan(out, m, gate(role, cp), at + minutes(3, 15), true, 0.9);
      }
    }
  }

  Context& ctx_;
  const Plan& plan_;
  const std::vector<areas::Area>& written_;
  Rng rng_;
  std::unordered_set<std::string> codes_;
  std::vector<PlannedPlace> places_;
  std::vector<CommunityPlaces> communities_;
  std::vector<int> community_of_grid_;  // by plan index of a grid: index into communities_
  std::vector<Role> roles_;
  int top_ups_ = 0;
};

// ------------------------------------------------------------------ health
// Daily health reports with realistic gaps (a lax grid or two per community,
// people who never report, quieter weekends, everyone at their own hour of
// the morning), a few fevers and other complaints with their alerts, and one
// small outbreak in the first community, where the demo accounts work: an
// index case chosen among residents who shopped there (traced on the scans
// above so that co-present contacts exist), a few of their close contacts and
// perhaps a household member who fell ill after them, their status periods,
// their households in home quarantine, one stored tracing run per confirmed
// case and observation for the close contacts each run found. Drawn from a
// random stream of its own, after the scans.

constexpr std::uint64_t kHealthStream = 0x6865616c7468;  // "health"
// Today included. At district scale that is ~12 M rows, about 50 s of the
// generation (measured; scans take longer); 7 days would halve it.
constexpr int kReportDays = 14;
constexpr int kDeadlineHour = 10;  // HealthOptions::deadline_hour: grids missing reports are flagged then
constexpr double kFeverShare = 0.0007;

/// A fixed scramble (splitmix64's finalizer): per-person, per-day times that
/// the outbreak plan and the report writer compute alike without sharing draws.
std::uint64_t scramble(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::int64_t local_day(Millis t) { return (t + kLocalOffset) / kDay; }
Millis midnight_of(std::int64_t day) { return day * kDay - kLocalOffset; }
std::string date_text(std::int64_t day) { return Date::from_days(day).to_string(); }
double tenths(double celsius) { return std::round(celsius * 10.0) / 10.0; }

/// The users the demo's health records name.
struct HealthUsers {
  std::int64_t admin = 0;                                       // handles alerts where no other account may
  std::int64_t community = 0;                                   // sets statuses in the outbreak community
  std::int64_t expert = 0;                                      // runs the tracing
  std::unordered_map<std::int64_t, std::int64_t> grid_workers;  // grid id -> user
};

/// A confirmed case of the outbreak.
struct HealthCase {
  std::size_t mover = 0;
  std::int64_t person_id = 0;
  std::string name;
  std::int64_t onset_day = 0, confirm_day = 0;  // local days since the epoch
  Millis observed_at = 0, confirmed_at = 0;
  double onset_temperature = 38.0;
  std::vector<std::string> symptoms;  // besides fever
  std::int64_t serious_day = -1;      // a day with shortness of breath, or -1
};

struct StatusSpan {
  std::string status;
  Millis start = 0;
  std::optional<Millis> end;
};

/// What one report says.
struct DayReport {
  std::optional<double> temperature;
  std::vector<std::string> symptoms;
  std::string test_result = "none";
  std::optional<std::string> test_date;
  std::optional<std::string> note;
};

std::string join_codes(const std::vector<std::string>& codes, std::string_view sep) {
  std::string out;
  for (const auto& c : codes) {
    if (!out.empty()) out += sep;
    out += c;
  }
  return out;
}

/// Multi-row INSERTs of health reports (kRows a statement; a last partial
/// batch row by row), so that one statement text of each shape is cached.
class ReportWriter {
 public:
  static constexpr std::size_t kRows = 400;
  static constexpr std::size_t kCols = 11;

  explicit ReportWriter(db::Connection& conn)
      : conn_(conn), batch_sql_(statement(kRows)), single_sql_(statement(1)), batch_(kRows * kCols), single_(kCols) {}

  void add(std::int64_t person, std::int64_t area, const std::string& date, int slot, const DayReport& r, bool unwell,
           Millis at) {
    db::Value* v = &batch_[rows_ * kCols];
    v[0] = person;
    v[1] = area;
    v[2] = date;
    v[3] = std::int64_t{slot};
    v[4] = db::opt(r.temperature);
    v[5] = join_codes(r.symptoms, ",");
    v[6] = r.test_result;
    v[7] = db::opt(r.test_date);
    v[8] = db::opt(r.note);
    v[9] = std::int64_t{unwell ? 1 : 0};
    v[10] = at;
    if (++rows_ == kRows) flush();
  }

  void flush() {
    if (rows_ == kRows) {
      conn_.execute(batch_sql_, batch_);
    } else {
      for (std::size_t i = 0; i < rows_; ++i) {
        std::copy_n(batch_.begin() + static_cast<std::ptrdiff_t>(i * kCols), kCols, single_.begin());
        conn_.execute(single_sql_, single_);
      }
    }
    rows_ = 0;
  }

 private:
  static std::string statement(std::size_t rows) {
    std::string sql =
        "INSERT INTO health_reports (person_id, area_id, date, slot, temperature, symptoms, test_result, test_date, "
        "note, unwell, source, created_at, updated_at) VALUES ";
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t b = r * kCols;
      if (r) sql += ", ";
      sql += fmt::format("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'demo', ${}, ${})", b + 1, b + 2, b + 3,
                         b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 11);
    }
    return sql;
  }

  db::Connection& conn_;
  std::string batch_sql_, single_sql_;
  db::Params batch_, single_;
  std::size_t rows_ = 0;
};

/// The tracer's view through `inner`, but reading the movements of the case
/// only: close and general contacts come out exact and secondary contacts
/// empty, which is all the choice of an index case needs, at a fraction of
/// the cost of following every close contact's days.
class CaseOnlySource final : public health::MovementSource {
 public:
  CaseOnlySource(health::MovementSource& inner, health::Subject case_person) : inner_(inner), case_(case_person) {}
  std::vector<health::ScanEvent> subject_scans(const std::vector<health::Subject>& subjects, Millis from,
                                               Millis to) override {
    if (std::find(subjects.begin(), subjects.end(), case_) == subjects.end()) return {};
    return inner_.subject_scans({case_}, from, to);
  }
  std::vector<health::ScanEvent> place_scans(const std::vector<health::PlaceWindow>& windows) override {
    return inner_.place_scans(windows);
  }
  std::map<health::Subject, std::vector<health::Subject>> household_members(
      const std::vector<health::Subject>& persons) override {
    return inner_.household_members(persons);
  }
  std::map<health::Subject, Millis> isolated_at(const std::vector<health::Subject>& subjects, Millis since) override {
    return inner_.isolated_at(subjects, since);
  }

 private:
  health::MovementSource& inner_;
  health::Subject case_;
};

class HealthSimulator {
 public:
  HealthSimulator(Context& ctx, const Plan& plan, const std::vector<areas::Area>& written, std::uint64_t seed,
                  int report_days, HealthUsers users)
      : ctx_(ctx),
        plan_(plan),
        written_(written),
        rng_(seed ^ kHealthStream),
        report_days_(report_days),
        users_(std::move(users)),
        today_(local_day(ctx.now)) {
    for (auto kind : movement::place_kinds()) {
      if (kind != "checkpoint") kinds_.emplace_back(kind);  // the tracer's default: every kind but gates
    }
  }

  void write(db::Connection& conn) {
    plan_people();
    plan_outbreak(conn);
    write_statuses_and_runs(conn);
    write_reports(conn);
    ctx_.summary.health_report_days = report_days_;
    ctx_.summary.confirmed_cases = static_cast<std::int64_t>(cases_.size());
  }

 private:
  const std::vector<Mover>& movers() const { return ctx_.movers; }

  std::optional<std::size_t> mover_of(std::int64_t id) const {
    auto it =
        std::lower_bound(movers().begin(), movers().end(), id, [](const Mover& m, std::int64_t v) { return m.id < v; });
    if (it == movers().end() || it->id != id) return std::nullopt;
    return static_cast<std::size_t>(it - movers().begin());
  }

  /// The other members of a mover's household (written together, so adjacent).
  std::vector<std::size_t> household_of(std::size_t k) const {
    std::vector<std::size_t> out;
    const auto household = movers()[k].household_id;
    std::size_t first = k;
    while (first > 0 && movers()[first - 1].household_id == household) --first;
    for (std::size_t i = first; i < movers().size() && movers()[i].household_id == household; ++i) {
      if (i != k) out.push_back(i);
    }
    return out;
  }

  // When a person sends the day's reports: the morning one at their usual
  // time (−20 to +40 minutes), the afternoon one (people reporting twice)
  // between 14:00 and 18:00.
  Millis report_time(std::size_t k, std::int64_t day) const {
    const auto h =
        scramble(static_cast<std::uint64_t>(movers()[k].id) * 1'000'003ULL + static_cast<std::uint64_t>(day));
    return midnight_of(day) + (report_minute_[k] + static_cast<Millis>(h % 61) - 20) * kMinute;
  }
  Millis afternoon_time(std::size_t k, std::int64_t day) const {
    const auto h =
        scramble(static_cast<std::uint64_t>(movers()[k].id) * 7'000'003ULL + static_cast<std::uint64_t>(day));
    return midnight_of(day) + (14 * 60 + static_cast<Millis>(h % 240)) * kMinute;
  }

  std::string_view status_at(std::int64_t person, Millis t) const {
    auto it = periods_.find(person);
    if (it == periods_.end()) return "normal";
    for (const auto& p : it->second) {
      if (p.start <= t && (!p.end || t < *p.end)) return p.status;
    }
    return "normal";
  }
  std::string_view current_status(std::int64_t person) const {
    auto it = periods_.find(person);
    if (it == periods_.end() || it->second.back().end) return "normal";
    return it->second.back().status;
  }
  const HealthCase* case_of(std::int64_t person) const {
    auto it = case_index_.find(person);
    return it == case_index_.end() ? nullptr : &cases_[it->second];
  }

  // ---- who reports how reliably

  void plan_people() {
    grid_rate_.assign(plan_.areas.size(), 0.9);
    for (int community : plan_.communities) {
      std::vector<int> grids;
      for (int g : plan_.grids) {
        if (plan_.areas[static_cast<std::size_t>(g)].parent == community) grids.push_back(g);
      }
      shuffle(rng_, grids);
      const std::size_t lax = grids.size() >= 10 && chance(rng_, 0.5) ? 2 : 1;
      for (std::size_t i = 0; i < grids.size(); ++i) {
        grid_rate_[static_cast<std::size_t>(grids[i])] = i < lax ? 0.60 + 0.15 * unit(rng_) : 0.86 + 0.12 * unit(rng_);
      }
    }
    report_minute_.resize(movers().size());
    propensity_.resize(movers().size());
    for (std::size_t k = 0; k < movers().size(); ++k) {
      report_minute_[k] = static_cast<std::int16_t>(between(rng_, 7 * 60, 11 * 60 + 20));
      const double rate = grid_rate_[static_cast<std::size_t>(movers()[k].grid)];
      // One in fifty hardly ever reports; the others scatter around their grid's rate.
      propensity_[k] = chance(rng_, 0.02) ? static_cast<float>(0.1 * unit(rng_))
                                          : static_cast<float>(std::clamp(rate + 0.1 * (unit(rng_) - 0.5), 0.0, 0.995));
    }
    watched_.assign(movers().size(), false);
  }

  // ---- the outbreak

  void plan_outbreak(db::Connection& conn) {
    const int community = plan_.communities.at(0);
    for (int g : plan_.grids) {
      if (plan_.areas[static_cast<std::size_t>(g)].parent == community) {
        outbreak_grids_.insert(written_[static_cast<std::size_t>(g)].id);
      }
    }
    // The grids of the grid1 and grid2 accounts: an index case there shows on their daily view.
    const std::unordered_set<std::int64_t> preferred = {written_[static_cast<std::size_t>(plan_.grids.at(0))].id,
                                                        written_[static_cast<std::size_t>(plan_.grids.at(1))].id};
    const int case_count = between(rng_, 3, 5);
    const std::int64_t index_onset = today_ - between(rng_, 5, 6);

    // Everyday places of the community, and who went there before the index case fell ill.
    std::vector<std::int64_t> places, shops;
    std::unordered_map<std::int64_t, std::int64_t> place_area;
    {
      db::Sql sql("SELECT p.id, p.area_id, p.kind FROM places p JOIN areas g ON g.id = p.area_id WHERE g.parent_id = ");
      sql.bind(written_[static_cast<std::size_t>(community)].id)
          .append(" AND p.kind IN ('shop', 'market', 'clinic', 'pharmacy') AND p.deleted_at IS NULL ORDER BY p.id");
      for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
        places.push_back(db::as_int(r[0]));
        place_area[db::as_int(r[0])] = db::as_int(r[1]);
        if (db::as_text(r[2]) == "shop" || db::as_text(r[2]) == "market") shops.push_back(db::as_int(r[0]));
      }
    }
    std::vector<std::pair<std::size_t, std::int64_t>> candidates;  // mover, visits
    if (!places.empty()) {
      db::Sql sql("SELECT person_id, COUNT(*) FROM scans WHERE direction = 1 AND person_id IS NOT NULL AND ts >= ");
      sql.bind(midnight_of(index_onset - 4))
          .append(" AND ts < ")
          .bind(midnight_of(today_ - 3))
          .append(" AND place_id IN (");
      for (std::size_t i = 0; i < places.size(); ++i) {
        if (i) sql.append(", ");
        sql.bind(places[i]);
      }
      sql.append(") GROUP BY person_id ORDER BY person_id");
      for (const auto& r : conn.query(sql.text(), sql.params()).rows) {
        auto k = mover_of(db::as_int(r[0]));
        if (!k) continue;
        const auto& m = movers()[*k];
        // Not a commuter: an office or school would make hundreds of contacts.
        if (m.age < 20 || m.age > 69 || m.commutes || !outbreak_grids_.contains(m.grid_id)) continue;
        candidates.emplace_back(*k, db::as_int(r[1]));
      }
    }
    shuffle(rng_, candidates);
    std::stable_sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
      const bool pa = preferred.contains(movers()[a.first].grid_id), pb = preferred.contains(movers()[b.first].grid_id);
      if (pa != pb) return pa;
      return a.second > b.second;
    });

    // Trace candidates until one had enough co-present contacts who could have
    // fallen ill by now (exposed at least four days ago), but not a crowd.
    health::SqlMovementSource sql_source(conn, kinds_);
    const health::TracingRules rules;
    std::size_t close_total = 0;  // of the last candidate traced
    auto eligible = [&](std::size_t k) {
      CaseOnlySource source(sql_source, movers()[k].id);
      const auto result = health::trace(source, movers()[k].id, Date::from_days(index_onset), rules);
      std::vector<health::Contact> out;
      close_total = 0;
      for (const auto& c : result.contacts) {
        if (c.subject <= 0 || c.degree != health::Degree::close || c.relation != health::Relation::co_presence)
          continue;
        ++close_total;
        if (local_day(c.exposure) > today_ - 4) continue;
        auto j = mover_of(c.subject);
        if (!j) continue;
        const auto& m = movers()[*j];
        if (!outbreak_grids_.contains(m.grid_id) || m.household_id == movers()[k].household_id) continue;
        out.push_back(c);
      }
      return out;
    };
    std::optional<std::size_t> index;
    std::vector<health::Contact> contacts;
    // The first of the fewest close contacts among those with enough; else the most.
    std::size_t index_close = 0;
    for (std::size_t i = 0; i < candidates.size() && i < 25; ++i) {
      auto found = eligible(candidates[i].first);
      const bool enough = static_cast<int>(found.size()) >= case_count - 1;
      const bool had_enough = index && static_cast<int>(contacts.size()) >= case_count - 1;
      if (!index || (enough && (!had_enough || close_total < index_close)) ||
          (!had_enough && found.size() > contacts.size())) {
        index = candidates[i].first;
        index_close = close_total;
        contacts = std::move(found);
      }
    }
    if (!index) {
      // Nobody shopped there in the window (a tiny or odd demo): any adult of the community.
      for (std::size_t k = 0; k < movers().size() && !index; ++k) {
        if (outbreak_grids_.contains(movers()[k].grid_id) && movers()[k].age >= 20) index = k;
      }
      if (!index) return;
    }
    std::vector<std::size_t> household;  // who could have caught it at home (and met few people since)
    for (auto k : household_of(*index)) {
      if (!movers()[k].commutes) household.push_back(k);
    }
    const bool household_case = !household.empty() && chance(rng_, 0.5);
    if (1 + (household_case ? 1 : 0) + static_cast<int>(contacts.size()) < 3 && !shops.empty()) {
      // Too few co-present contacts in the scans: the index case and three
      // neighbours shared a long visit to a shop.
      shared_visit(conn, *index, index_onset - 2, shops[below(rng_, shops.size())], place_area);
      contacts = eligible(*index);
    }

    // The index case, then the household case, then contacts, one household each.
    std::unordered_set<std::int64_t> households = {movers()[*index].household_id};
    add_case(*index, index_onset, today_ - 2);
    if (household_case) {
      const auto k = household[below(rng_, household.size())];
      add_case(k, std::min(index_onset + between(rng_, 2, 3), today_ - 3), today_ - 1);
    }
    // Contacts who fell ill: their onset follows their exposure; those who met
    // a crowd since (a school, an office, a busy market) come last.
    struct Secondary {
      std::size_t mover = 0;
      std::int64_t onset = 0;
      bool crowd = false;
    };
    shuffle(rng_, contacts);
    std::vector<Secondary> secondaries;
    for (const auto& c : contacts) {
      if (secondaries.size() >= 15) break;
      const auto k = *mover_of(c.subject);
      const auto onset = std::clamp(local_day(c.exposure) + between(rng_, 2, 5), today_ - 5, today_ - 3);
      CaseOnlySource source(sql_source, c.subject);
      const auto result = health::trace(source, c.subject, Date::from_days(onset), rules);
      const auto close = std::count_if(result.contacts.begin(), result.contacts.end(), [](const health::Contact& x) {
        return x.degree == health::Degree::close && x.relation == health::Relation::co_presence;
      });
      secondaries.push_back(Secondary{k, onset, movers()[k].commutes || close > 60});
    }
    std::stable_partition(secondaries.begin(), secondaries.end(), [](const Secondary& s) { return !s.crowd; });
    for (const auto& c : secondaries) {
      if (static_cast<int>(cases_.size()) >= case_count) break;
      if (!households.insert(movers()[c.mover].household_id).second) continue;
      add_case(c.mover, c.onset, c.onset <= today_ - 4 && chance(rng_, 0.4) ? today_ - 2 : today_ - 1);
    }
    // One case, at most, had a day of shortness of breath before confirmation.
    if (chance(rng_, 0.6)) {
      auto& c = cases_[below(rng_, cases_.size())];
      if (c.confirm_day - c.onset_day >= 2)
        c.serious_day = between(rng_, static_cast<int>(c.onset_day + 1), static_cast<int>(c.confirm_day - 1));
    }
    for (auto& c : cases_) {
      c.name = db::as_text(*conn.query_value("SELECT name FROM residents WHERE id = $1", {c.person_id}));
    }
  }

  void add_case(std::size_t k, std::int64_t onset, std::int64_t confirm) {
    static constexpr std::string_view kSymptoms[] = {"cough",    "sore_throat", "fatigue",
                                                     "headache", "muscle_pain", "loss_of_smell_taste"};
    HealthCase c;
    c.mover = k;
    c.person_id = movers()[k].id;
    c.onset_day = onset;
    c.confirm_day = confirm;
    c.onset_temperature = tenths(37.6 + 0.1 * between(rng_, 0, 9));
    c.observed_at = report_time(k, onset) + between(rng_, 60, 180) * kMinute;
    c.confirmed_at = report_time(k, confirm) + between(rng_, 60, 180) * kMinute;
    const int n = between(rng_, 1, 2);
    while (static_cast<int>(c.symptoms.size()) < n) {
      std::string s(pick(rng_, kSymptoms));
      if (std::find(c.symptoms.begin(), c.symptoms.end(), s) == c.symptoms.end()) c.symptoms.push_back(std::move(s));
    }
    case_index_[c.person_id] = cases_.size();
    cases_.push_back(std::move(c));
    watched_[k] = true;
  }

  /// Entry and exit scans of the index case and three adults of other
  /// households at one shop, overlapping by more than 20 minutes.
  void shared_visit(db::Connection& conn, std::size_t index, std::int64_t day, std::int64_t place,
                    const std::unordered_map<std::int64_t, std::int64_t>& place_area) {
    std::vector<std::size_t> people = {index};
    std::unordered_set<std::int64_t> households = {movers()[index].household_id};
    std::vector<std::size_t> pool;
    for (std::size_t k = 0; k < movers().size(); ++k) {
      if (outbreak_grids_.contains(movers()[k].grid_id) && movers()[k].age >= 18) pool.push_back(k);
    }
    for (int tries = 0; tries < 100 && people.size() < 4 && !pool.empty(); ++tries) {
      const auto k = pool[below(rng_, pool.size())];
      if (households.insert(movers()[k].household_id).second) people.push_back(k);
    }
    const Millis at = midnight_of(day) + between(rng_, 9 * 60, 10 * 60 + 30) * kMinute;
    db::in_transaction(conn, db::TxMode::write, [&] {
      for (std::size_t i = 0; i < people.size(); ++i) {
        const auto& m = movers()[people[i]];
        const Millis in = i == 0 ? at : at + between(rng_, 0, 10) * kMinute;
        const Millis out = i == 0 ? at + between(rng_, 45, 55) * kMinute : at + between(rng_, 35, 50) * kMinute;
        for (const auto& [ts, direction] : {std::pair{in, 1}, std::pair{out, 0}}) {
          conn.execute(
              "INSERT INTO scans (client_event_id, place_id, person_id, visitor_id, ts, direction, temperature, "
              "place_area_id, home_area_id, source, recorded_by, received_at) VALUES ($1, $2, $3, NULL, $4, $5, NULL, "
              "$6, $7, 'device', NULL, $4)",
              {fmt::format("demo-{:09d}", ++ctx_.summary.scans), place, m.id, ts, std::int64_t{direction},
               place_area.at(place), m.grid_id});
        }
      }
    });
  }

  // ---- statuses and tracing runs, in the order they happened

  struct Event {
    enum class Kind { status, run } kind = Kind::status;
    std::int64_t person = 0;
    std::string status, reason;
    std::optional<std::string> planned_end;
    std::optional<std::int64_t> run_id;
    std::size_t case_index = 0;
  };

  static std::string symptom_words(const std::vector<std::string>& codes) {
    static const std::unordered_map<std::string_view, std::string_view> kWords = {
        {"fever", "发热"},
        {"cough", "咳嗽"},
        {"sore_throat", "咽痛"},
        {"fatigue", "乏力"},
        {"headache", "头痛"},
        {"muscle_pain", "肌肉酸痛"},
        {"runny_nose", "流涕"},
        {"diarrhea", "腹泻"},
        {"loss_of_smell_taste", "嗅觉味觉减退"},
        {"shortness_of_breath", "呼吸困难"},
        {"chest_pain", "胸痛"},
        {"confusion", "意识模糊"}};
    std::string out;
    for (const auto& c : codes) {
      if (!out.empty()) out += "、";
      auto it = kWords.find(c);
      out += it == kWords.end() ? c : std::string(it->second);
    }
    return out;
  }

  void write_statuses_and_runs(db::Connection& conn) {
    if (cases_.empty()) return;
    std::multimap<Millis, Event> events;  // equal times keep their order
    std::unordered_set<std::int64_t> case_households;
    for (const auto& c : cases_) case_households.insert(movers()[c.mover].household_id);
    for (std::size_t i = 0; i < cases_.size(); ++i) {
      const auto& c = cases_[i];
      events.emplace(c.observed_at, Event{Event::Kind::status, c.person_id, "observation",
                                          fmt::format("发热（{:.1f} °C），{}，居家医学观察，已安排核酸检测",
                                                      c.onset_temperature, symptom_words(c.symptoms)),
                                          date_text(c.onset_day + 14), std::nullopt, i});
      events.emplace(c.confirmed_at, Event{Event::Kind::status, c.person_id, "confirmed",
                                           fmt::format("{}采样核酸检测阳性，经区疾控中心复核确诊，已转运定点医院",
                                                       date_text(c.confirm_day - 1)),
                                           std::nullopt, std::nullopt, i});
      for (auto k : household_of(c.mover)) {
        if (case_of(movers()[k].id)) continue;
        events.emplace(c.confirmed_at + between(rng_, 30, 150) * kMinute,
                       Event{Event::Kind::status, movers()[k].id, "home_quarantine",
                             fmt::format("同住家庭成员{}确诊，居家隔离医学观察14天", c.name),
                             date_text(c.confirm_day + 14), std::nullopt, i});
      }
      events.emplace(c.confirmed_at + between(rng_, 60, 120) * kMinute,
                     Event{Event::Kind::run, c.person_id, "", "", std::nullopt, std::nullopt, i});
    }

    health::SqlMovementSource source(conn, kinds_);
    const health::TracingRules rules;
    db::in_transaction(conn, db::TxMode::write, [&] {
      while (!events.empty()) {
        auto node = events.extract(events.begin());
        const Millis at = node.key();
        const Event& e = node.mapped();
        if (e.kind == Event::Kind::status) {
          apply_status(conn, at, e);
          continue;
        }
        // A tracing run by the expert, and observation for the close contacts it found.
        const auto& c = cases_[e.case_index];
        const auto result = health::trace(source, c.person_id, Date::from_days(c.onset_day), rules);
        health::TracingRun run;
        run.person_id = c.person_id;
        run.area_id = movers()[c.mover].grid_id;
        run.onset_date = date_text(c.onset_day);
        run.rules = rules;
        run.place_kinds = kinds_;
        run.window_start = result.window_start;
        run.window_end = result.window_end;
        run.created_at = at;
        run.created_by = users_.expert;
        std::map<health::Subject, std::optional<std::int64_t>> homes;
        std::vector<std::int64_t> evidence_places;
        for (const auto& contact : result.contacts) {
          if (auto k = contact.subject > 0 ? mover_of(contact.subject) : std::nullopt)
            homes[contact.subject] = movers()[*k].grid_id;
          for (const auto& ev : contact.evidence) evidence_places.push_back(ev.place_id);
        }
        const auto run_id = health::HealthStore::insert_run(conn, run, result.case_stays);
        health::HealthStore::insert_contacts(conn, run_id, result.contacts, homes);
        ++ctx_.summary.tracing_runs;

        std::sort(evidence_places.begin(), evidence_places.end());
        evidence_places.erase(std::unique(evidence_places.begin(), evidence_places.end()), evidence_places.end());
        const auto place_names = health::HealthStore::place_names(conn, evidence_places);
        std::vector<const health::Contact*> follow;
        for (const auto& contact : result.contacts) {
          if (contact.subject <= 0 || contact.degree != health::Degree::close ||
              contact.relation != health::Relation::co_presence || contact.evidence.empty()) {
            continue;
          }
          auto k = mover_of(contact.subject);
          if (!k || case_of(contact.subject) || case_households.contains(movers()[*k].household_id)) continue;
          follow.push_back(&contact);
        }
        std::stable_sort(follow.begin(), follow.end(),
                         [](const auto* a, const auto* b) { return a->exposure < b->exposure; });
        if (follow.size() > 30) follow.resize(30);
        for (const auto* contact : follow) {
          const auto& longest = *std::max_element(contact->evidence.begin(), contact->evidence.end(),
                                                  [](const auto& a, const auto& b) { return a.minutes < b.minutes; });
          auto place = place_names.find(longest.place_id);
          events.emplace(at + between(rng_, 20, 90) * kMinute,
                         Event{Event::Kind::status, contact->subject, "observation",
                               fmt::format("流调#{}：{}与确诊病例{}同时段在{}停留{}分钟，密切接触者，医学观察", run_id,
                                           date_text(local_day(longest.start)), c.name,
                                           place == place_names.end() ? std::string("同一场所") : place->second,
                                           static_cast<int>(longest.minutes)),
                               date_text(local_day(contact->exposure) + 14), run_id, e.case_index});
        }
      }
    });
  }

  void apply_status(db::Connection& conn, Millis at, const Event& e) {
    const auto from = current_status(e.person);
    // Follow-ups only reach people without a status; every change obeys the spec's transitions.
    if (e.run_id && from != "normal") return;
    if (!health::transition_allowed(from, e.status)) return;
    health::StatusPeriod p;
    p.person_id = e.person;
    p.status = e.status;
    p.starts_at = at;
    p.planned_end = e.planned_end;
    p.reason = e.reason;
    p.set_by = users_.community;
    p.set_at = at;
    p.run_id = e.run_id;
    health::HealthStore::insert_status(conn, p);
    auto& spans = periods_[e.person];
    if (!spans.empty() && !spans.back().end) spans.back().end = at;
    spans.push_back(StatusSpan{e.status, at, std::nullopt});
    if (auto k = mover_of(e.person)) watched_[*k] = true;
  }

  // ---- reports, alerts and missed-report flags, one transaction a day

  struct Unwell {
    std::int64_t person = 0, area = 0;
    int slot = 1;
    DayReport report;
    Millis at = 0;
    bool fever = false, serious = false, positive = false, is_case = false;
  };

  double normal_temperature() {
    const int a = between(rng_, 0, 4);
    const int b = between(rng_, 0, 5);
    return tenths(36.2 + 0.1 * (a + b));
  }

  void add_symptom(std::vector<std::string>& out, std::string_view code) {
    if (std::find(out.begin(), out.end(), code) == out.end()) out.emplace_back(code);
  }

  DayReport everyday_report(const Mover& m, std::int64_t day) {
    static constexpr std::string_view kMild[] = {"cough",      "sore_throat", "fatigue", "headache",
                                                 "runny_nose", "muscle_pain", "diarrhea"};
    static constexpr std::string_view kSerious[] = {"shortness_of_breath", "chest_pain", "confusion"};
    DayReport r;
    if (chance(rng_, kFeverShare)) {
      // Mostly a mild fever that is gone the next day; now and then a high one.
      int t = between(rng_, 0, 5);
      if (chance(rng_, 0.25)) t += between(rng_, 3, 10);
      r.temperature = tenths(37.3 + 0.1 * t);
      if (chance(rng_, 0.7)) r.symptoms.emplace_back("fever");
      const int mild = between(rng_, 0, 2);
      for (int i = 0; i < mild; ++i) add_symptom(r.symptoms, pick(rng_, kMild));
      if (chance(rng_, m.age >= 65 ? 0.1 : 0.02)) add_symptom(r.symptoms, pick(rng_, Words(kSerious).first(2)));
    } else {
      r.temperature = normal_temperature();
      if (chance(rng_, 0.003)) {
        add_symptom(r.symptoms, pick(rng_, kMild));
      } else if (chance(rng_, m.age >= 65 ? 0.0001 : 0.00002)) {
        const Words serious = kSerious;
        add_symptom(r.symptoms, pick(rng_, m.age >= 75 ? serious : serious.first(2)));
      }
    }
    if (chance(rng_, 0.02)) {  // a routine screening result
      r.test_result = "negative";
      r.test_date = date_text(day - static_cast<std::int64_t>(below(rng_, 2)));
    }
    return r;
  }

  DayReport case_report(const HealthCase& c, std::int64_t day, int slot) {
    DayReport r;
    double t = 0;
    if (day == c.onset_day) {
      t = c.onset_temperature + (slot == 2 ? 0.2 : 0.0);
    } else if (day < c.confirm_day) {
      t = 37.4 + 0.1 * between(rng_, 0, 10);
    } else if (day == c.confirm_day) {
      t = 37.3 + 0.1 * between(rng_, 0, 8);
      r.test_result = "positive";
      r.test_date = date_text(c.confirm_day - 1);
      r.note = "核酸检测阳性，已上报";
    } else {
      t = 36.9 + 0.1 * between(rng_, 0, 8);  // reported by the hospital ward
    }
    r.temperature = tenths(t);
    if (*r.temperature >= health::kFeverCelsius - 1e-9) r.symptoms.emplace_back("fever");
    for (const auto& s : c.symptoms) r.symptoms.push_back(s);
    if (day == c.serious_day) r.symptoms.emplace_back("shortness_of_breath");
    return r;
  }

  void emit(ReportWriter& writer, std::vector<Unwell>& unwell, const Mover& m, const std::string& date, int slot,
            DayReport r, Millis at, bool is_case) {
    const bool fever = r.temperature && *r.temperature >= health::kFeverCelsius - 1e-9;
    const bool serious =
        std::any_of(r.symptoms.begin(), r.symptoms.end(), [](const auto& s) { return health::serious_symptom(s); });
    const bool positive = r.test_result == "positive";
    writer.add(m.id, m.grid_id, date, slot, r, fever || serious || positive, at);
    ++ctx_.summary.health_reports;
    if (fever || serious || positive) {
      unwell.push_back(Unwell{m.id, m.grid_id, slot, std::move(r), at, fever, serious, positive, is_case});
    }
  }

  void write_reports(db::Connection& conn) {
    ReportWriter writer(conn);
    std::vector<double> grid_factor(plan_.areas.size(), 1.0);
    std::vector<std::int64_t> expected(plan_.areas.size()), on_time(plan_.areas.size());
    std::vector<Unwell> unwell;
    for (std::int64_t day = today_ - report_days_ + 1; day <= today_; ++day) {
      const std::string date = date_text(day);
      const Millis deadline = midnight_of(day) + kDeadlineHour * 60 * kMinute;
      const bool weekend = (day + 3) % 7 >= 5;  // 1970-01-01 was a Thursday
      for (int g : plan_.grids) grid_factor[static_cast<std::size_t>(g)] = 1.0 + 0.06 * (unit(rng_) - 0.5);
      std::fill(expected.begin(), expected.end(), 0);
      std::fill(on_time.begin(), on_time.end(), 0);
      unwell.clear();
      db::in_transaction(conn, db::TxMode::write, [&] {
        for (std::size_t k = 0; k < movers().size(); ++k) {
          const Mover& m = movers()[k];
          const auto grid = static_cast<std::size_t>(m.grid);
          const bool watched = watched_[k];
          const HealthCase* hc = watched ? case_of(m.id) : nullptr;
          const bool ill = hc && day >= hc->onset_day;
          expected[grid] += watched && health::reports_twice(status_at(m.id, deadline)) ? 2 : 1;
          const Millis morning = report_time(k, day);
          if (morning <= ctx_.now) {
            const bool twice = watched && health::reports_twice(status_at(m.id, morning));
            const double p = ill ? 1.0 : twice ? 0.97 : propensity_[k] * grid_factor[grid] * (weekend ? 0.95 : 1.0);
            if (chance(rng_, p)) {
              emit(writer, unwell, m, date, 1, ill ? case_report(*hc, day, 1) : everyday_report(m, day), morning, ill);
              if (morning <= deadline) ++on_time[grid];
            }
          }
          if (!watched) continue;
          const Millis afternoon = afternoon_time(k, day);
          if (afternoon <= ctx_.now && health::reports_twice(status_at(m.id, afternoon)) &&
              chance(rng_, ill ? 1.0 : 0.93)) {
            emit(writer, unwell, m, date, 2, ill ? case_report(*hc, day, 2) : everyday_report(m, day), afternoon, ill);
          }
        }
        writer.flush();
        write_alerts(conn, unwell, date, day);
        if (day < today_) {
          // What the scheduler flagged at the deadline (today's flags are left to the running service).
          for (int g : plan_.grids) {
            const auto i = static_cast<std::size_t>(g);
            if (!health::should_flag(expected[i], on_time[i], health::kDefaultFlagBelowPercent)) continue;
            conn.execute(
                "INSERT INTO health_missed_flags (area_id, date, expected, missing, created_at) VALUES ($1, $2, $3, "
                "$4, "
                "$5)",
                {written_[i].id, date, expected[i], expected[i] - on_time[i], deadline});
          }
        }
      });
    }
  }

  void write_alerts(db::Connection& conn, const std::vector<Unwell>& unwell, const std::string& date,
                    std::int64_t day) {
    static constexpr std::string_view kFeverNotes[] = {
        "已电话回访，复测体温正常", "已上门复测体温正常，提醒继续每日上报", "已联系本人，到发热门诊就诊，核酸检测阴性",
        "已电话回访，系运动后测量，复测正常", "已通知社区卫生服务站随访，体温已恢复正常"};
    static constexpr std::string_view kSeriousNotes[] = {"已联系家属陪同就医", "已协助拨打120送医，家属已知悉",
                                                         "已上门了解情况，症状缓解，建议门诊复查"};
    const bool open = day >= today_ - 1;  // the last two days are still being followed up
    for (const auto& u : unwell) {
      const auto id =
          db::as_int(*conn.query_value("SELECT id FROM health_reports WHERE person_id = $1 AND date = $2 AND slot = $3",
                                       {u.person, date, std::int64_t{u.slot}}));
      auto handler = users_.grid_workers.find(u.area);
      const std::int64_t handled_by = handler != users_.grid_workers.end() ? handler->second
                                      : outbreak_grids_.contains(u.area)   ? users_.community
                                                                           : users_.admin;
      auto raise = [&](std::string_view kind, const std::string& detail, std::string_view note) {
        db::Value by = db::null(), at = db::null(), text = db::null();
        if (!open) {
          by = handled_by;
          at = std::min(u.at + between(rng_, 10, 240) * kMinute, ctx_.now);
          text = std::string(note);
        }
        conn.execute(
            "INSERT INTO health_alerts (person_id, area_id, report_id, kind, detail, created_at, status, handled_by, "
            "handled_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            {u.person, u.area, id, std::string(kind), detail, u.at, std::string(open ? "open" : "handled"), by, at,
             text});
        ++ctx_.summary.health_alerts;
      };
      if (u.fever) {
        raise("fever", fmt::format("{:.1f} °C on {}", *u.report.temperature, date),
              u.is_case ? "已纳入医学观察，安排核酸检测" : pick(rng_, kFeverNotes));
      }
      if (u.serious) {
        std::vector<std::string> serious;
        for (const auto& s : u.report.symptoms) {
          if (health::serious_symptom(s)) serious.push_back(s);
        }
        raise("serious_symptom", join_codes(serious, ", "),
              u.is_case ? "已联系120转运定点医院" : pick(rng_, kSeriousNotes));
      }
      if (u.positive) {
        raise("positive_test", "positive test on " + *u.report.test_date, "已上报区疾控中心，病例已转运定点医院");
      }
    }
  }

  Context& ctx_;
  const Plan& plan_;
  const std::vector<areas::Area>& written_;
  Rng rng_;
  int report_days_;
  HealthUsers users_;
  std::int64_t today_;  // local day of now
  std::vector<std::string> kinds_;
  std::vector<double> grid_rate_;            // by plan index of a grid
  std::vector<std::int16_t> report_minute_;  // by mover: usual minute of the day
  std::vector<float> propensity_;            // by mover: chance of reporting on a day
  std::vector<bool> watched_;                // by mover: has a status period or is a case
  std::unordered_set<std::int64_t> outbreak_grids_;
  std::vector<HealthCase> cases_;
  std::unordered_map<std::int64_t, std::size_t> case_index_;  // person -> cases_
  std::unordered_map<std::int64_t, std::vector<StatusSpan>> periods_;
};

// ------------------------------------------------------------------ risks
// Risk points of every community (old buildings, flood points, gas lines,
// crowded markets, hazardous goods, vulnerable households, charging sheds),
// each at a spot inside one of its grids, rated on the 5×5 matrix so that
// every band occurs, with an inspection schedule of 7–90 days and 1–4 past
// inspections whose resulting ratings form the point's history (the current
// rating is the latest one's); about one point in five is overdue. Written
// through RiskStore as RiskService::inspect would leave them. Drawn from a
// random stream of its own.

constexpr std::uint64_t kRiskStream = 0x7269736b73;  // "risks"

struct RiskKind {
  std::string_view key, label;
  double weight;
  int min_impact, max_impact;
  std::array<int, 2> intervals;  // inspection intervals in days to choose from
};
constexpr RiskKind kRiskKinds[] = {
    {"old_building", "老旧楼房", 0.20, 2, 5, {60, 90}},
    {"flood_point", "积水点", 0.12, 2, 4, {14, 30}},
    {"gas", "燃气管线", 0.12, 3, 5, {30, 30}},
    {"crowded_place", "农贸市场人员密集", 0.14, 2, 5, {7, 14}},
    {"hazardous_goods", "危化品仓库", 0.06, 3, 5, {14, 30}},
    {"vulnerable_household", "独居老人家庭", 0.22, 1, 4, {7, 14}},
    {"fire", "电动车集中充电", 0.14, 2, 5, {14, 30}},
};
// Findings of an inspection whose resulting rating is above, equal to or below the previous one.
struct RiskTexts {
  std::array<std::string_view, 2> description, worse, same, better, near_miss;
};
constexpr RiskTexts kRiskTexts[] = {
    {{"1980年代砖混结构住宅，外墙空鼓、楼梯间墙体有裂缝，住户以老年人为主。",
      "老旧楼房，屋面防水老化，阳台挑板钢筋外露。"},
     {"北侧外墙新增两处裂缝，阳台挑板混凝土剥落，已设警示带并上报街道申请鉴定。",
      "雨后屋面渗漏加重，三单元楼梯间墙皮大面积脱落，已通知物业限期维修。"},
     {"外墙裂缝无明显发展，楼道照明正常，提醒住户勿在阳台堆放重物。",
      "结构无新变化，已复核裂缝监测点读数，与上次一致。"},
     {"外墙空鼓部分已铲除重做，屋面防水完成翻修，风险下降。", "危险阳台挑板已加固，监测点读数稳定，撤除警示带。"},
     {"外墙瓷砖脱落砸中楼下停放的自行车，未伤人。", "楼梯扶手松动，一名老人险些摔倒。"}},
    {{"低洼路段，强降雨时积水深度可达40厘米，附近有地下车库入口。", "下穿通道积水点，排水泵站能力不足。"},
     {"雨水篦子被落叶和垃圾堵塞，排水不畅，已通知市政清掏。", "排水泵一台故障待修，汛期积水风险上升。"},
     {"雨水口通畅，挡水板、沙袋等物资齐全，警示标志完好。", "检查排水设施正常，应急值守人员已明确。"},
     {"新增排水管线已投用，复查雨后无明显积水。", "泵站完成检修，雨水篦子已更换为防堵型。"},
     {"暴雨时一辆轿车驶入积水熄火，司机自行脱困。", "积水漫至车库入口，及时用沙袋封堵，未倒灌。"}},
    {{"中压燃气管线沿线有居民楼和商铺，部分管段上方有违章搭建。", "燃气调压箱紧邻居民楼，周边有车辆停放。"},
     {"管线上方新增违章堆物，地面有轻微燃气异味，已通知燃气公司抢修并疏散围观人员。",
      "调压箱锈蚀，箱门损坏，已报燃气公司更换。"},
     {"巡线未发现占压和泄漏，警示桩完好。", "燃气浓度检测正常，调压箱运行平稳。"},
     {"违章搭建已拆除，占压问题消除，管线标识已补设。", "调压箱已更换，加装防撞护栏。"},
     {"施工挖掘机险些挖断燃气管线，现场及时叫停。", "居民闻到燃气味报警，查明为灶具软管老化，已更换。"}},
    {{"农贸市场，早高峰人流密集，通道狭窄，摊位外溢占道。", "早市人员密集，老年顾客多，出入口仅两处。"},
     {"早高峰人流超过限流标准，部分摊主未规范佩戴口罩，已约谈市场负责人。",
      "消防通道被摊位占用，测温验码点无人值守，已责令整改。"},
     {"限流措施落实，出入口测温验码正常，通道保持畅通。", "市场每日消杀记录完整，摊主健康监测正常。"},
     {"增设一处出入口并实行分时段限流，高峰人数明显下降。", "占道摊位已清理，消防通道恢复畅通。"},
     {"早高峰入口处拥挤，一名老人被挤倒，无大碍。", "临时停电时人流拥堵，工作人员及时疏导。"}},
    {{"储存油漆、稀释剂等易燃液体的仓库，距居民楼不足50米。", "加油站及配套油品库房，周边人员往来频繁。"},
     {"库存超出核定量，部分桶装稀释剂露天存放，已责令立即清理并上报应急管理部门。",
      "防爆电器损坏未修，灭火器过期，已责令停业整改。"},
     {"储存量在核定范围内，台账清楚，消防器材有效。", "安全管理制度落实，值班人员在岗，可燃气体报警器正常。"},
     {"超量库存已转移，防爆电器全部更换，验收合格。", "已完成整改复查，消防器材全部更新。"},
     {"装卸时一桶稀释剂倾倒泄漏，及时用吸附棉处置，未起火。", "静电接地线脱落，发现后立即停止作业。"}},
    {{"独居高龄老人，患有高血压，子女在外地，需每日探视。", "独居老人，行动不便，家中使用燃气灶。"},
     {"老人近期记忆力下降，两次忘关燃气灶，已联系子女并申请安装燃气报警器。",
      "老人跌倒后膝部受伤，生活自理能力下降，已协调志愿者每日上门。"},
     {"老人身体状况平稳，已落实每日电话问候，药品充足。", "入户走访，室内用电用气安全，紧急呼叫器可用。"},
     {"已安装燃气报警器和紧急呼叫器，子女每周回家探望。", "已纳入社区助餐服务，志愿者结对帮扶，风险下降。"},
     {"老人夜间起床险些跌倒，已加装床边扶手。", "锅具干烧冒烟，邻居发现后及时关闭燃气。"}},
    {{"电动自行车集中充电棚，夜间充电车辆多，紧邻住宅楼。", "楼道及地下室电动车停放点，存在飞线充电现象。"},
     {"发现多处私拉飞线充电，部分电池改装，已当场拆除并通知物业加强巡查。",
      "充电棚内杂物堆积，灭火器压力不足，已限期整改。"},
     {"充电设施运行正常，未发现飞线充电，消防器材有效。", "夜间巡查无违规充电，监控和烟感工作正常。"},
     {"新建智能充电桩投入使用，飞线充电基本消除。", "杂物已清理，加装自动喷淋和烟感报警。"},
     {"一辆电动车电池充电时冒烟，值守人员及时断电并移出。", "充电插座过热熔化，未引发火灾。"}},
};

class RiskWriter {
 public:
  struct Users {
    std::unordered_map<std::int64_t, std::int64_t> by_grid;  // grid id -> user (grid workers)
    std::int64_t community = 0, street = 0, district = 0;
  };

  RiskWriter(Context& ctx, const Plan& plan, const std::vector<areas::Area>& written, std::uint64_t seed, Users users)
      : ctx_(ctx), plan_(plan), written_(written), rng_(seed ^ kRiskStream), users_(std::move(users)) {}

  void write(db::Connection& conn) {
    db::in_transaction(conn, db::TxMode::write, [&] {
      for (std::size_t c = 0; c < plan_.communities.size(); ++c) community(conn, static_cast<int>(c));
    });
  }

 private:
  const PlannedArea& area(int index) const { return plan_.areas[static_cast<std::size_t>(index)]; }

  // Who inspects in a grid: its grid worker, else the outbreak community's
  // staff, else the first street's official, else the district.
  std::int64_t inspector(int grid, int community_number) const {
    auto it = users_.by_grid.find(written_[static_cast<std::size_t>(grid)].id);
    if (it != users_.by_grid.end()) return it->second;
    if (community_number == 0) return users_.community;
    if (area(area(grid).parent).parent == plan_.streets.at(0)) return users_.street;
    return users_.district;
  }

  std::pair<int, int> cell_in_band(std::string_view band, const RiskKind& kind) {
    std::vector<std::pair<int, int>> cells, fitting;
    for (int l = 1; l <= 5; ++l) {
      for (int i = 1; i <= 5; ++i) {
        if (risks::band_of(l * i) != band) continue;
        cells.emplace_back(l, i);
        if (i >= kind.min_impact && i <= kind.max_impact) fitting.emplace_back(l, i);
      }
    }
    const auto& from = fitting.empty() ? cells : fitting;
    return from[below(rng_, from.size())];
  }

  // A rating one step away in likelihood (or the same), within the matrix.
  std::pair<int, int> drift(std::pair<int, int> r, double up, double down) {
    const double x = unit(rng_);
    if (x < up)
      r.first = std::min(r.first + 1, 5);
    else if (x < up + down)
      r.first = std::max(r.first - 1, 1);
    return r;
  }

  Millis daytime(std::int64_t day) { return midnight_of(day) + between(rng_, 8 * 60 + 30, 17 * 60) * kMinute; }

  std::string name_of(const RiskKind& kind, const PlannedArea& grid) {
    const auto compound = compose(rng_, kPlaceStems, kCompoundSuffixes);
    const auto& ns = ctx_.ns_roads[static_cast<std::size_t>(grid.col)];
    const auto& ew = ctx_.ew_roads[static_cast<std::size_t>(grid.row)];
    const int variant = between(rng_, 0, 1);
    if (kind.key == "old_building")
      return fmt::format("{}{}号楼（{}年建）", compound, between(rng_, 1, 12), between(rng_, 1972, 1992));
    if (kind.key == "flood_point")
      return variant ? fmt::format("{}与{}交叉口积水点", ns, ew) : fmt::format("{}地下车库入口积水点", compound);
    if (kind.key == "gas")
      return variant ? fmt::format("{}中压燃气管线（{}段）", ew, compound) : fmt::format("{}燃气调压箱", compound);
    if (kind.key == "crowded_place")
      return variant ? fmt::format("{}农贸市场", pick(rng_, kShopStems)) : fmt::format("{}早市", ew);
    if (kind.key == "hazardous_goods")
      return variant ? fmt::format("{}化工危化品仓库", pick(rng_, kShopStems)) : fmt::format("{}加油站", ns);
    if (kind.key == "vulnerable_household")
      return fmt::format("独居老人家庭（{}{}号楼{}单元{}{:02d}）", compound, between(rng_, 1, 8), between(rng_, 1, 3),
                         between(rng_, 1, 6), between(rng_, 1, 2));
    return variant ? fmt::format("{}电动自行车集中充电棚", compound)
                   : fmt::format("{}{}号楼地下室电动车停放点", compound, between(rng_, 1, 8));
  }

  void community(db::Connection& conn, int c) {
    const int community_index = plan_.communities[static_cast<std::size_t>(c)];
    std::vector<int> grids;
    for (int g : plan_.grids) {
      if (area(g).parent == community_index) grids.push_back(g);
    }
    const int count = between(rng_, 4, 10);
    static constexpr std::string_view kBands[] = {"low", "medium", "high", "critical"};
    static constexpr double kBandWeights[] = {0.32, 0.36, 0.22, 0.10};
    // Kinds not yet used in the community first (by weight), then any kind by weight.
    std::vector<std::size_t> unused;
    for (std::size_t k = 0; k < std::size(kRiskKinds); ++k) unused.push_back(k);
    auto next_kind = [&] {
      std::vector<double> weights;
      if (unused.empty()) {
        for (const auto& k : kRiskKinds) weights.push_back(k.weight);
        return weighted(rng_, weights);
      }
      for (auto k : unused) weights.push_back(kRiskKinds[k].weight);
      const auto i = weighted(rng_, weights);
      const auto k = unused[i];
      unused.erase(unused.begin() + static_cast<std::ptrdiff_t>(i));
      return k;
    };
    const std::int64_t today = local_day(ctx_.now);
    for (int n = 0; n < count; ++n) {
      // The first community shows every band and an overdue point whatever the draws.
      const std::string_view band = c == 0 && n < 4 ? kBands[3 - n] : kBands[weighted(rng_, kBandWeights)];
      const bool overdue = c == 0 && n == 1 ? true : chance(rng_, 0.2);
      const auto k = next_kind();
      const auto& kind = kRiskKinds[k];
      const auto& texts = kRiskTexts[k];
      const int g = grids[below(rng_, grids.size())];
      const auto& grid = area(g);
      const auto by = inspector(g, c);

      risks::RiskPoint p;
      p.area_id = written_[static_cast<std::size_t>(g)].id;
      p.name = name_of(kind, grid);
      p.kind = std::string(kind.key);
      const auto& r = grid.rect;
      p.latitude = std::round((r.south + (0.1 + 0.8 * unit(rng_)) * (r.north - r.south)) * 1e6) / 1e6;
      p.longitude = std::round((r.west + (0.1 + 0.8 * unit(rng_)) * (r.east - r.west)) * 1e6) / 1e6;
      p.description = std::string(texts.description[below(rng_, 2)]);
      if (kind.key == "vulnerable_household") {
        p.owner_name = grid.responsible;  // the grid worker looks after the household
        p.owner_phone = grid.phone;
      } else {
        p.owner_name = full_name(rng_, chance(rng_, 0.6) ? 'M' : 'F', between(rng_, 1960, 1990));
        p.owner_phone = chance(rng_, 0.5) ? ctx_.phones.mobile(rng_) : landline(rng_);
      }
      p.inspection_interval_days = kind.intervals[below(rng_, 2)];
      const int interval = p.inspection_interval_days;

      // Inspections, newest first in time: the latest one decides whether the point is overdue.
      const int inspections = between(rng_, 1, 4);
      std::vector<Millis> at(static_cast<std::size_t>(inspections));
      std::int64_t day = overdue ? today - interval - between(rng_, 1, std::max(2, interval / 3))
                                 : today - between(rng_, 0, interval - 1);
      at.back() = daytime(day);
      if (at.back() > ctx_.now) at.back() = daytime(--day);
      for (int i = inspections - 2; i >= 0; --i) {
        day -= std::max(1, interval + between(rng_, -interval / 4, interval / 3));
        at[static_cast<std::size_t>(i)] = daytime(day);
      }
      p.created_at = daytime(day - between(rng_, 3, 60));
      p.created_by = by;

      // Ratings, newest first backwards: rectification usually lowered them.
      std::vector<std::pair<int, int>> rating(static_cast<std::size_t>(inspections) + 1);  // [0]: at creation
      rating.back() = cell_in_band(band, kind);
      for (int i = inspections - 1; i >= 0; --i)
        rating[static_cast<std::size_t>(i)] = drift(rating[static_cast<std::size_t>(i) + 1], 0.3, 0.2);
      p.likelihood = rating.back().first;
      p.impact = rating.back().second;
      p.last_inspected_at = at.back();
      p.next_inspection_due = at.back() + interval * kDay;
      p = risks::RiskStore::insert(conn, std::move(p));
      ++ctx_.summary.risk_points;

      for (int i = 0; i < inspections; ++i) {
        const auto before = rating[static_cast<std::size_t>(i)], after = rating[static_cast<std::size_t>(i) + 1];
        const int from = before.first * before.second, to = after.first * after.second;
        risks::Inspection in;
        in.risk_id = p.id;
        in.inspected_at = at[static_cast<std::size_t>(i)];
        const auto& findings = to > from ? texts.worse : to < from ? texts.better : texts.same;
        in.findings = std::string(findings[below(rng_, 2)]);
        // The first community shows a near miss whatever the draws.
        if (chance(rng_, 0.12) || (c == 0 && n == 2 && i == inspections - 1)) {
          in.near_miss = true;
          in.near_miss_note = std::string(texts.near_miss[below(rng_, 2)]);
        }
        in.likelihood = after.first;
        in.impact = after.second;
        in.previous_likelihood = before.first;
        in.previous_impact = before.second;
        in.inspected_by = by;
        in.created_at = std::min(in.inspected_at + between(rng_, 2, 90) * kMinute, ctx_.now);
        p.updated_at = in.created_at;
        risks::RiskStore::insert_inspection(conn, std::move(in));
        ++ctx_.summary.inspections;
      }
      risks::RiskStore::update(conn, p);
    }
  }

  Context& ctx_;
  const Plan& plan_;
  const std::vector<areas::Area>& written_;
  Rng rng_;
  Users users_;
};

// ------------------------------------------------------------------ warnings
// The outbreak's warnings, made by WarningService itself on a fake clock that
// walks through their history in time order: an orange warning on the grid of
// the first confirmed case, issued by the community's staff soon after the
// confirmation, acknowledged and handled by that grid's worker; a yellow
// warning on the community issued by the street three hours ago, never
// acknowledged, escalated once to the street by the scheduler's sweep; a blue
// warning from a week ago, acknowledged, handled and closed; and a red drill
// (CAP status Exercise) ten days ago, from issue to close. The CAP node id
// comes from the seed and is stored in settings, as the service would.

struct WarningUsers {
  core::Principal community, street, grid1, grid2;
  std::int64_t grid1_area = 0, grid2_area = 0;
};

class WarningWriter {
 public:
  WarningWriter(db::Database& db, Context& ctx, const Plan& plan, const std::vector<areas::Area>& written,
                std::uint64_t seed, WarningUsers users)
      : db_(db),
        ctx_(ctx),
        plan_(plan),
        written_(written),
        rng_(seed ^ kWarningStream),
        users_(std::move(users)),
        clock_(ctx.now),
        seed_(seed) {}

  void write() {
    warnings::WarningOptions options;
    {
      auto conn = db_.acquire();
      options.node_id = warnings::WarningStore::node_id(
          *conn, fmt::format("{:08x}", scramble(seed_ ^ kWarningStream) & 0xffffffffULL));
    }
    warnings::WarningService service(db_, clock_, options);
    const auto& community = written_[static_cast<std::size_t>(plan_.communities.at(0))];
    const std::int64_t today = local_day(ctx_.now);
    std::multimap<Millis, std::function<void()>> steps;  // run in time order on the fake clock

    // The drill, ten days ago on grid2's grid.
    {
      const Millis issued = midnight_of(today - 10) + between(rng_, 9 * 60, 10 * 60) * kMinute;
      const Millis ack = issued + between(rng_, 4, 12) * kMinute;
      const Millis handled = ack + between(rng_, 30, 50) * kMinute;
      const Millis closed = handled + between(rng_, 60, 150) * kMinute;
      const auto grid = area_named(users_.grid2_area);
      steps.emplace(issued, [&, grid] {
        warnings::NewWarning w;
        w.area_id = users_.grid2_area;
        w.level = "red";
        w.exercise = true;
        w.event = "应急演练";
        w.headline = fmt::format("【演练】{}突发聚集性疫情应急处置演练", grid);
        w.description = fmt::format(
            "本条为演练信息，非真实预警。"
            "模拟{}某居民小区发现多名发热病人，检验预警发布、接收确认、逐级上报和现场处置流程。",
            grid);
        w.instruction = "【演练】网格员15分钟内确认接收，30分钟内到达现场，按预案组织排查、隔离和转运。";
        drill_ = create(service, users_.community, w);
      });
      steps.emplace(
          ack, [&] { step(service, users_.grid2, drill_, warnings::Step::acknowledge, "演练：已收到，正在赶赴现场"); });
      steps.emplace(handled, [&, minutes = (handled - issued) / kMinute] {
        step(service, users_.grid2, drill_, warnings::Step::handle,
             fmt::format("演练：已完成模拟排查和转运，从发布到处置完毕用时{}分钟", minutes));
      });
      steps.emplace(closed,
                    [&] { step(service, users_.community, drill_, warnings::Step::close, "演练结束，总结已报街道"); });
    }
    // The blue warning of a week ago, on the community.
    {
      const Millis issued = midnight_of(today - 7) + between(rng_, 8 * 60 + 30, 10 * 60) * kMinute;
      const Millis ack = issued + between(rng_, 20, 180) * kMinute;
      const Millis handled = midnight_of(today - 6) + between(rng_, 15 * 60, 17 * 60) * kMinute;
      const Millis closed = midnight_of(today - 5) + between(rng_, 9 * 60, 11 * 60) * kMinute;
      steps.emplace(issued, [&] {
        warnings::NewWarning w;
        w.area_id = community.id;
        w.level = "blue";
        w.event = "呼吸道传染病流行提示";
        w.headline = fmt::format("{}进入秋冬季呼吸道传染病高发期", community.name);
        w.description = "近一周辖区发热门诊就诊人数较上周上升约两成，以流感样病例为主，老年人和慢性病患者风险较高。";
        w.instruction =
            "提醒居民做好个人防护、勤通风；老年人和慢性病患者尽早接种疫苗；社区卫生服务站加强发热症状监测。";
        blue_ = create(service, users_.street, w);
      });
      steps.emplace(ack, [&] {
        step(service, users_.community, blue_, warnings::Step::acknowledge, "已收到，已在居民群转发提示");
      });
      steps.emplace(handled, [&] {
        step(service, users_.community, blue_, warnings::Step::handle,
             "已完成重点人群电话提醒，各楼门张贴防护宣传海报");
      });
      steps.emplace(closed, [&] {
        step(service, users_.street, blue_, warnings::Step::close, "发热门诊就诊人数回落，预警解除");
      });
    }
    // The orange warning on the grid of the first confirmed case.
    auto first = first_case();
    if (first) {
      const auto [confirmed, grid_id] = *first;
      const Millis issued = confirmed + between(rng_, 15, 40) * kMinute;
      const Millis ack = std::min(issued + between(rng_, 5, 18) * kMinute, ctx_.now);
      const Millis handled = std::min(ack + between(rng_, 180, 300) * kMinute, ctx_.now);
      const auto& responder = grid_id == users_.grid1_area   ? users_.grid1
                              : grid_id == users_.grid2_area ? users_.grid2
                                                             : users_.community;
      const auto grid = area_named(grid_id);
      steps.emplace(issued, [&, grid, grid_id, confirmed] {
        warnings::NewWarning w;
        w.area_id = grid_id;
        w.level = "orange";
        w.event = "聚集性疫情风险";
        w.headline = fmt::format("{}发现确诊病例", grid);
        w.description = fmt::format(
            "{}，{}一名居民经区疾控中心复核确诊为新冠肺炎病例（本轮首例）。该病例发病前曾在社区菜市场、超市等场所活动，"
            "存在社区传播风险。",
            date_text(local_day(confirmed)), grid);
        w.instruction =
            "病例所在楼栋实行封闭管理；网格员立即逐户排查，督促居民每日两次健康上报；密切接触者落实隔离医学观察；"
            "居民非必要不外出，外出全程佩戴口罩。";
        orange_ = create(service, users_.community, w);
      });
      steps.emplace(
          ack, [&] { step(service, responder, orange_, warnings::Step::acknowledge, "已收到，正赶赴病例所在楼栋"); });
      steps.emplace(handled, [&] {
        step(service, responder, orange_, warnings::Step::handle,
             "病例所在楼栋已封闭管理并完成环境消杀；已逐户排查，密切接触者均已落实隔离医学观察");
      });
    }
    // The yellow warning on the community, unacknowledged and escalated to the street.
    {
      const Millis issued = ctx_.now - (3 * 60 + between(rng_, 0, 20)) * kMinute;
      const Millis sweep = issued + service.default_ack_minutes("yellow") * kMinute + between(rng_, 1, 15) * 1000;
      steps.emplace(issued, [&, issued] {
        std::int64_t cases = 0, contacts = 0;
        {
          auto conn = db_.acquire();
          cases = db::as_int(*conn->query_value(
              "SELECT COUNT(*) FROM health_statuses WHERE status = 'confirmed' AND starts_at <= $1", {issued}));
          contacts = db::as_int(*conn->query_value(
              "SELECT COUNT(DISTINCT person_id) FROM health_statuses WHERE status = 'observation' AND run_id IS NOT "
              "NULL AND starts_at <= $1 AND (ends_at IS NULL OR ends_at > $1)",
              {issued}));
        }
        warnings::NewWarning w;
        w.area_id = community.id;
        w.level = "yellow";
        w.event = "社区传播风险";
        w.headline = fmt::format("{}近期出现多例确诊病例", community.name);
        w.description =
            fmt::format("截至{}，{}本轮累计报告确诊病例{}例，另有密切接触者{}人正在医学观察，存在社区传播风险。",
                        date_text(local_day(issued)), community.name, cases, contacts);
        w.instruction =
            "社区暂停聚集性活动；各网格加强出入口测温验码和健康上报督促；居民减少外出，出现发热等症状及时上报。";
        yellow_ = create(service, users_.street, w);
      });
      steps.emplace(sweep, [&] { service.escalate_overdue(); });
    }

    for (auto& [at, run] : steps) {
      clock_.set(at);
      run();
    }
  }

 private:
  std::string area_named(std::int64_t id) const {
    for (const auto& a : written_) {
      if (a.id == id) return a.name;
    }
    return {};
  }

  /// When the first case was confirmed and their home grid.
  std::optional<std::pair<Millis, std::int64_t>> first_case() {
    auto conn = db_.acquire();
    auto rs = conn->query(
        "SELECT s.starts_at, r.area_id FROM health_statuses s JOIN residents r ON r.id = s.person_id WHERE s.status "
        "= 'confirmed' ORDER BY s.starts_at, s.id LIMIT 1");
    if (rs.empty()) return std::nullopt;
    return std::pair{db::as_int(rs.rows[0][0]), db::as_int(rs.rows[0][1])};
  }

  std::int64_t create(warnings::WarningService& service, const core::Principal& who, const warnings::NewWarning& w) {
    auto made = service.create(who, w);
    if (!made) throw std::runtime_error("demo: cannot issue a warning: " + made.error().message);
    ++ctx_.summary.warnings;
    return made->id;
  }
  void step(warnings::WarningService& service, const core::Principal& who, std::int64_t id, warnings::Step s,
            std::string note) {
    auto done = service.step(who, id, s, std::move(note));
    if (!done)
      throw std::runtime_error(
          fmt::format("demo: cannot {} warning {}: {}", warnings::step_key(s), id, done.error().message));
  }

  static constexpr std::uint64_t kWarningStream = 0x7761726e696e67;  // "warning"

  db::Database& db_;
  Context& ctx_;
  const Plan& plan_;
  const std::vector<areas::Area>& written_;
  Rng rng_;
  WarningUsers users_;
  core::FakeClock clock_;
  std::uint64_t seed_ = 0;
  std::int64_t drill_ = 0, blue_ = 0, orange_ = 0, yellow_ = 0;
};

std::int64_t find_admin(db::Connection& conn, std::string& username) {
  if (auto v = conn.query_value("SELECT id FROM users WHERE username = $1", {std::string("admin")})) {
    username = "admin";
    return db::as_int(*v);
  }
  auto rs = conn.query(
      "SELECT u.id, u.username FROM users u JOIN user_roles r ON r.user_id = u.id "
      "WHERE r.role = 'admin' AND r.area_id IS NULL AND u.disabled = 0 ORDER BY u.id LIMIT 1");
  if (rs.empty()) throw std::runtime_error("demo: no administrator account to create the demo accounts with");
  username = db::as_text(rs.rows[0][1]);
  return db::as_int(rs.rows[0][0]);
}

void check_password(const std::string& password, const char* what) {
  const auto n = core::utf8_length(password);
  if (!core::is_valid_utf8(password) || n < 8 || n > 128) {
    throw std::runtime_error(fmt::format("demo: the {} needs 8 to 128 characters", what));
  }
}

}  // namespace

DemoSummary generate_demo(db::Database& db, auth::AuthService& auth, const core::Clock& clock,
                          const DemoOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  check_password(options.admin_password, "admin password");
  check_password(options.account_password, "account password");
  const Layout layout = layout_of(options.scale);

  const Millis now = clock.now();
  Context ctx{Rng(options.seed), core::date_of(now), now};
  {
    auto conn = db.acquire();
    auto n = conn->query_value("SELECT COUNT(*) FROM areas");
    if (n && db::as_int(*n) > 0) {
      throw std::runtime_error("demo: the database already holds areas; the demo needs an empty database");
    }
  }
  auth.ensure_admin("admin", options.admin_password);
  std::string admin_name;
  {
    auto conn = db.acquire();
    ctx.verifier_id = find_admin(*conn, admin_name);
  }
  core::Principal admin;
  admin.user_id = ctx.verifier_id;
  admin.username = admin_name;
  admin.grants = {core::Grant{core::Role::admin, std::nullopt, ""}};

  Plan plan = plan_areas(ctx.rng, ctx.phones, layout);
  name_roads(ctx.rng, ctx, layout.streets.cols * layout.communities.cols * layout.grids.cols,
             layout.streets.rows * layout.communities.rows * layout.grids.rows);

  std::vector<areas::Area> written(plan.areas.size());
  {
    auto conn = db.acquire();
    db::in_transaction(*conn, db::TxMode::write, [&] {
      for (std::size_t i = 0; i < plan.areas.size(); ++i) {
        const auto& p = plan.areas[i];
        areas::NewArea a;
        a.code = p.code;
        a.name = p.name;
        a.level = p.level;
        a.boundary = polygon_geojson(p.rect);
        a.responsible = p.responsible;
        a.phone = p.phone;
        std::string parent_path;
        if (p.parent >= 0) {
          const auto& parent = written[static_cast<std::size_t>(p.parent)];
          a.parent_id = parent.id;
          parent_path = parent.path;
        }
        written[i] = areas::AreaStore::insert(*conn, a, parent_path, ctx.now);
      }
    });
    ctx.summary.areas = static_cast<std::int64_t>(plan.areas.size());
    ctx.summary.streets = static_cast<std::int64_t>(plan.streets.size());
    ctx.summary.communities = static_cast<std::int64_t>(plan.communities.size());
    ctx.summary.grids = static_cast<std::int64_t>(plan.grids.size());

    // Whole grids per transaction, committed every kBatchResidents: small
    // transactions rewrite the same index pages over and over.
    std::size_t next = 0;
    while (next < plan.grids.size()) {
      db::in_transaction(*conn, db::TxMode::write, [&] {
        const auto batch_start = ctx.summary.residents;
        while (next < plan.grids.size() && ctx.summary.residents - batch_start < kBatchResidents) {
          const auto i = static_cast<std::size_t>(plan.grids[next++]);
          const int target =
              static_cast<int>(std::lround(layout.residents_per_grid * (0.85 + 0.3 * unit(ctx.rng))));
          GridFiller(ctx, *conn, plan.areas[i], written[i].id, target).fill(static_cast<int>(i));
        }
      });
    }

    MovementSimulator movement(ctx, plan, written, options.seed);
    movement.write_places(*conn);
    movement.write_scans(*conn);
  }

  // Accounts: one per role, on the first street, community and grids; the
  // resident account belongs to the head of the first household.
  std::string first_head_name;
  if (ctx.first_head_id) {
    auto conn = db.acquire();
    first_head_name = db::as_text(*conn->query_value("SELECT name FROM residents WHERE id = $1", {*ctx.first_head_id}));
  }
  const int street = plan.streets.at(0), community = plan.communities.at(0);
  const int grid1 = plan.grids.at(0), grid2 = plan.grids.at(1);
  const auto& planned = [&](int index) -> const PlannedArea& { return plan.areas[static_cast<std::size_t>(index)]; };
  const std::string base = planned(community).base_name;
  struct AccountSpec {
    std::string username;
    core::Role role;
    int area = -1;  // index into the plan; -1 for the resident
    std::string display_name;
  };
  const std::vector<AccountSpec> specs = {
      {"district", core::Role::district_official, 0, "区应急指挥中心"},
      {"street", core::Role::street_official, street, planned(street).responsible},
      {"community", core::Role::community_staff, community, planned(community).responsible},
      {"grid1", core::Role::grid_worker, grid1, planned(grid1).responsible},
      {"grid2", core::Role::grid_worker, grid2, planned(grid2).responsible},
      {"property", core::Role::property_company, community, base + "物业服务中心"},
      {"socialorg", core::Role::social_org, community, base + "社会工作服务站"},
      {"enterprise", core::Role::enterprise, community, fmt::format("{}商贸有限公司", pick(ctx.rng, kShopStems))},
      {"volunteer", core::Role::volunteer, community, full_name(ctx.rng, 'F', 1998)},
      {"expert", core::Role::expert, community, full_name(ctx.rng, 'M', 1975) + "（公共卫生）"},
      {"resident", core::Role::resident, -1, first_head_name},
  };
  ctx.summary.accounts.push_back(DemoAccount{admin_name, "admin", ""});
  for (const auto& spec : specs) {
    auth::NewUser u;
    u.username = spec.username;
    u.password = options.account_password;
    u.display_name = spec.display_name;
    std::string area_name;
    if (spec.area < 0) {
      u.resident_id = ctx.first_head_id;
      u.roles = {auth::RoleGrant{spec.role, std::nullopt, "", ""}};
    } else {
      const auto& area = written[static_cast<std::size_t>(spec.area)];
      u.roles = {auth::RoleGrant{spec.role, area.id, "", ""}};
      area_name = area.name;
    }
    auto created = auth.create_user(admin, u);
    if (!created) {
      throw std::runtime_error(
          fmt::format("demo: cannot create account {}: {}", spec.username, created.error().message));
    }
    ctx.summary.accounts.push_back(DemoAccount{spec.username, std::string(core::role_key(spec.role)), area_name});
  }

  // Health records name the accounts: statuses set by the community's staff,
  // tracing runs by the expert, alerts handled by the grid workers.
  {
    auto conn = db.acquire();
    auto user_id = [&](const std::string& username) {
      auto v = conn->query_value("SELECT id FROM users WHERE username = $1", {username});
      return v ? db::as_int(*v) : ctx.verifier_id;
    };
    HealthUsers users;
    users.admin = ctx.verifier_id;
    users.community = user_id("community");
    users.expert = user_id("expert");
    users.grid_workers[written[static_cast<std::size_t>(grid1)].id] = user_id("grid1");
    users.grid_workers[written[static_cast<std::size_t>(grid2)].id] = user_id("grid2");
    HealthSimulator(ctx, plan, written, options.seed, kReportDays, std::move(users)).write(*conn);

    RiskWriter::Users risk_users;
    risk_users.by_grid[written[static_cast<std::size_t>(grid1)].id] = user_id("grid1");
    risk_users.by_grid[written[static_cast<std::size_t>(grid2)].id] = user_id("grid2");
    risk_users.community = user_id("community");
    risk_users.street = user_id("street");
    risk_users.district = user_id("district");
    RiskWriter(ctx, plan, written, options.seed, std::move(risk_users)).write(*conn);
  }

  // Warnings through WarningService, which borrows its own connections.
  {
    auto principal = [&](const std::string& username, core::Role role, int area) {
      core::Principal p;
      auto conn = db.acquire();
      p.user_id = db::as_int(*conn->query_value("SELECT id FROM users WHERE username = $1", {username}));
      p.username = username;
      const auto& a = written[static_cast<std::size_t>(area)];
      p.grants = {core::Grant{role, a.id, a.path}};
      return p;
    };
    WarningUsers users;
    users.community = principal("community", core::Role::community_staff, community);
    users.street = principal("street", core::Role::street_official, street);
    users.grid1 = principal("grid1", core::Role::grid_worker, grid1);
    users.grid2 = principal("grid2", core::Role::grid_worker, grid2);
    users.grid1_area = written[static_cast<std::size_t>(grid1)].id;
    users.grid2_area = written[static_cast<std::size_t>(grid2)].id;
    WarningWriter(db, ctx, plan, written, options.seed, std::move(users)).write();
  }

  {
    auto conn = db.acquire();
    db::in_transaction(*conn, db::TxMode::write, [&] {
      const auto& s = ctx.summary;
      const auto district_id = written[0].id;
      audit::record(*conn, admin, ctx.now, "demo", "district", district_id, district_id,
                    fmt::format("scale={} seed={} streets={} communities={} grids={} buildings={} households={} "
                                "residents={} places={} scans={} health_reports={} confirmed_cases={} risk_points={} inspections={} "
                                "warnings={} accounts={}",
                                scale_key(options.scale), options.seed, s.streets, s.communities, s.grids, s.buildings,
                                s.households, s.residents, s.places, s.scans, s.health_reports, s.confirmed_cases,
                                s.risk_points, s.inspections, s.warnings, s.accounts.size()));
    });
  }
  ctx.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::move(ctx.summary);
}

}  // namespace firstline::demo
