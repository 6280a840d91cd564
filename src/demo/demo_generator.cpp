#include "demo/demo_generator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
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
#include "movement/movement.hpp"
#include "movement/movement_store.hpp"
#include "people/people_store.hpp"

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

  {
    auto conn = db.acquire();
    db::in_transaction(*conn, db::TxMode::write, [&] {
      const auto& s = ctx.summary;
      const auto district_id = written[0].id;
      audit::record(*conn, admin, ctx.now, "demo", "district", district_id, district_id,
                    fmt::format("scale={} seed={} streets={} communities={} grids={} buildings={} households={} "
                                "residents={} places={} scans={} accounts={}",
                                scale_key(options.scale), options.seed, s.streets, s.communities, s.grids, s.buildings,
                                s.households, s.residents, s.places, s.scans, s.accounts.size()));
    });
  }
  ctx.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::move(ctx.summary);
}

}  // namespace firstline::demo
