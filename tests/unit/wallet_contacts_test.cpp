// wallet/contacts.h: contacts are added, found and removed by name and by address; names that
// break the rules or could be mistaken for an address, duplicates, bad notes and a full book
// are refused; the file round-trips (mode 0600) and a broken file is refused with a reason.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chain/bech32.h"
#include "chain/types.h"
#include "wallet/contacts.h"

namespace waybill::wallet {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kPrefixes = {"wbr", "wbd", "wbt"};

std::string AddressOf(uint8_t b, const std::string& hrp = "wbr") {
  chain::AccountId id;
  id.bytes.fill(b);
  return chain::bech32::EncodeAddress(hrp, id);
}

class ContactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "wallet_contacts_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path() const { return (dir_ / "sub" / "contacts.json").string(); }
  void WriteRaw(const std::string& text) const {
    fs::create_directories(dir_ / "sub");
    std::ofstream(Path(), std::ios::binary) << text;
  }
  fs::path dir_;
};

TEST_F(ContactsTest, AddFindRemove) {
  Contacts book;
  ASSERT_TRUE(book.Add({"exporter", AddressOf(1), "Port of Mombasa"}, kPrefixes).ok());
  ASSERT_TRUE(book.Add({"coop", AddressOf(2), ""}, kPrefixes).ok());
  ASSERT_TRUE(book.Add({"lab.2-b_x", AddressOf(3), ""}, kPrefixes).ok());
  ASSERT_EQ(book.all().size(), 3u);
  EXPECT_EQ(book.all()[0].name, "coop") << "kept sorted by name";
  EXPECT_EQ(book.all()[2].name, "lab.2-b_x");
  ASSERT_NE(book.Find("exporter"), nullptr);
  EXPECT_EQ(book.Find("exporter")->address, AddressOf(1));
  EXPECT_EQ(book.Find("exporter")->note, "Port of Mombasa");
  EXPECT_EQ(book.Find("export"), nullptr);
  ASSERT_NE(book.FindByAddress(AddressOf(2)), nullptr);
  EXPECT_EQ(book.FindByAddress(AddressOf(2))->name, "coop");
  EXPECT_EQ(book.FindByAddress(AddressOf(9)), nullptr);

  EXPECT_TRUE(book.Remove("coop").ok());
  EXPECT_EQ(book.Find("coop"), nullptr);
  EXPECT_EQ(book.FindByAddress(AddressOf(2)), nullptr);
  EXPECT_TRUE(book.Remove("coop").IsNotFound());
  EXPECT_EQ(book.all().size(), 2u);
}

TEST_F(ContactsTest, RefusesBadAndAddressLikeNames) {
  Contacts book;
  const std::string hex64(64, 'a');
  chain::AccountId id;
  id.bytes.fill(7);
  // A short valid Bech32 string passes the name rules, so only the address check stops it.
  const std::string short_bech32 =
      chain::bech32::Encode(chain::bech32::Encoding::kBech32m, "a", {1, 2});
  ASSERT_LE(short_bech32.size(), 32u);
  const std::vector<std::string> refused = {
      "wbr1qqq",    "wbd1x",   "wbt1", hex64,   id.ToHex(), AddressOf(4), short_bech32,
      "Bad Name",   "BadName", "",     "-lead", ".hidden",  "a/b",        std::string(33, 'a'),
      "caf\xc3\xa9"};
  for (const std::string& name : refused) {
    chain::Status s = book.Add({name, AddressOf(5), ""}, kPrefixes);
    EXPECT_TRUE(s.IsInvalid()) << "'" << name << "' was accepted";
  }
  EXPECT_TRUE(book.all().empty());
  chain::Status s = book.Add({"wbr1qqq", AddressOf(5), ""}, kPrefixes);
  EXPECT_NE(s.reason().find("mistaken for an address"), std::string::npos) << s.reason();
  s = book.Add({short_bech32, AddressOf(5), ""}, kPrefixes);
  EXPECT_NE(s.reason().find("mistaken for an address"), std::string::npos) << s.reason();
  // Without 'wbr' among the known prefixes "wbr1qqq" is no Bech32 string (no valid checksum).
  EXPECT_TRUE(book.Add({"wbr1qqq", AddressOf(5), ""}, {"wbd"}).ok());
  // A prefix not followed by '1' is fine.
  EXPECT_TRUE(book.Add({"wbrx", AddressOf(6), ""}, kPrefixes).ok());
}

TEST_F(ContactsTest, RefusesDuplicatesBadAddressesAndBadNotes) {
  Contacts book;
  ASSERT_TRUE(book.Add({"coop", AddressOf(1), ""}, kPrefixes).ok());
  chain::Status same_name = book.Add({"coop", AddressOf(2), ""}, kPrefixes);
  EXPECT_TRUE(same_name.IsInvalid());
  EXPECT_NE(same_name.reason().find("already exists"), std::string::npos);
  chain::Status same_address = book.Add({"coop2", AddressOf(1), ""}, kPrefixes);
  EXPECT_TRUE(same_address.IsInvalid());
  EXPECT_NE(same_address.reason().find("coop"), std::string::npos);
  EXPECT_TRUE(book.Add({"a", "", ""}, kPrefixes).IsInvalid());
  EXPECT_TRUE(book.Add({"a", "wbr1 x", ""}, kPrefixes).IsInvalid());
  EXPECT_TRUE(book.Add({"a", std::string(91, 'q'), ""}, kPrefixes).IsInvalid());

  EXPECT_TRUE(book.Add({"n200", AddressOf(3), std::string(200, 'x')}, kPrefixes).ok());
  EXPECT_TRUE(book.Add({"n201", AddressOf(4), std::string(201, 'x')}, kPrefixes).IsInvalid());
  EXPECT_TRUE(
      book.Add({"utf8", AddressOf(5), "M\xc3\xbcller \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac"},
               kPrefixes)
          .ok());
  for (const std::string& note :
       {std::string("line\nbreak"), std::string("tab\there"), std::string("nul\0x", 5),
        std::string("del\x7f"), std::string("c1 \xc2\x85"), std::string("bad \xff"),
        std::string("overlong \xc0\xaf"), std::string("cut \xe6\x9d"),
        std::string("surrogate \xed\xa0\x80")}) {
    EXPECT_TRUE(book.Add({"note", AddressOf(6), note}, kPrefixes).IsInvalid()) << note;
  }
  EXPECT_EQ(book.all().size(), 3u);
}

TEST_F(ContactsTest, AFullBookRefusesMore) {
  Contacts book;
  for (size_t i = 0; i < kMaxContacts; ++i) {
    const std::string name = "c" + std::to_string(i);
    ASSERT_TRUE(book.Add({name, "addr" + std::to_string(i), ""}, kPrefixes).ok()) << i;
  }
  chain::Status s = book.Add({"onemore", "addr-more", ""}, kPrefixes);
  EXPECT_TRUE(s.IsInvalid());
  EXPECT_NE(s.reason().find("full"), std::string::npos) << s.reason();
  ASSERT_TRUE(book.Remove("c17").ok());
  EXPECT_TRUE(book.Add({"onemore", "addr-more", ""}, kPrefixes).ok());
  // And a file with more contacts than the bound is refused on load.
  ASSERT_TRUE(book.Save(Path()).ok());
  auto back = Contacts::Load(Path());
  ASSERT_TRUE(back.ok()) << back.status().reason();
  EXPECT_EQ(back->all().size(), kMaxContacts);
}

TEST_F(ContactsTest, SaveLoadRoundTripWithMode0600) {
  auto empty = Contacts::Load(Path());
  ASSERT_TRUE(empty.ok()) << "an absent file is an empty book";
  EXPECT_TRUE(empty->all().empty());

  Contacts book;
  ASSERT_TRUE(book.Add({"exporter", AddressOf(1), "note \"quoted\" \xe2\x9c\x93"}, kPrefixes).ok());
  ASSERT_TRUE(book.Add({"coop", AddressOf(2), ""}, kPrefixes).ok());
  ASSERT_TRUE(book.Save(Path()).ok());
  struct stat st;
  ASSERT_EQ(::stat(Path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the folder it creates is private";
  auto back = Contacts::Load(Path());
  ASSERT_TRUE(back.ok()) << back.status().reason();
  EXPECT_EQ(back->all(), book.all());

  ASSERT_TRUE(back->Remove("coop").ok());
  ASSERT_TRUE(back->Save(Path()).ok());
  auto again = Contacts::Load(Path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->all().size(), 1u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "sub"), {}), 1) << "no temp file left";
}

TEST_F(ContactsTest, ABrokenFileIsRefusedWithAReason) {
  const std::string a = AddressOf(1);
  const std::vector<std::string> broken = {
      "not json",
      "[]",
      R"({"contacts": []})",
      R"({"waybill_contacts": 2, "contacts": []})",
      R"({"waybill_contacts": 1, "contacts": {}})",
      R"({"waybill_contacts": 1, "contacts": [{"name": "x"}]})",
      R"({"waybill_contacts": 1, "contacts": [{"name": "Bad", "address": "a", "note": ""}]})",
      R"({"waybill_contacts": 1, "contacts": [{"name": "x", "address": "a", "note": "", "more": 1}]})",
      R"({"waybill_contacts": 1, "contacts": [{"name": "x", "address": "a", "note": ""},
                                              {"name": "x", "address": "b", "note": ""}]})",
  };
  for (const std::string& text : broken) {
    WriteRaw(text);
    auto book = Contacts::Load(Path());
    ASSERT_FALSE(book.ok()) << text;
    EXPECT_TRUE(book.status().IsInvalid()) << text;
    EXPECT_NE(book.status().reason().find(Path()), std::string::npos);
  }
  WriteRaw(R"({"waybill_contacts": 1, "contacts": [{"name": "x", "address": ")" + a +
           R"(", "note": ""}]})");
  auto ok = Contacts::Load(Path());
  ASSERT_TRUE(ok.ok()) << ok.status().reason();
  EXPECT_EQ(ok->Find("x")->address, a);
}

}  // namespace
}  // namespace waybill::wallet
