#include "net/tls_ticket_keys.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace foobar::net {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kT0 = 1'800'000'000;
constexpr std::int64_t kHour = 3600;

struct TicketKeysTest : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("ticket-keys-" + std::to_string(::getpid()));
  fs::path file = dir / "keys";
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
};

TEST_F(TicketKeysTest, NewestKeyEncryptsOldOnesDecryptForALifetime) {
  TicketKeys keys("", kT0);
  ASSERT_EQ(keys.keys()->size(), 1u);
  const auto first = keys.keys()->front().name;

  EXPECT_FALSE(keys.rotate(kT0 + kHour));  // not due yet
  EXPECT_TRUE(keys.rotate(kT0 + 4 * kHour));
  auto now = keys.keys();
  ASSERT_EQ(now->size(), 2u);
  EXPECT_NE(now->front().name, first);  // a new key encrypts...
  EXPECT_EQ(now->back().name, first);   // ...the old one still decrypts

  // The first key stops encrypting at 4 h and decrypts for the 24 h lifetime after.
  for (std::int64_t t = kT0 + 8 * kHour; t < kT0 + 28 * kHour; t += 4 * kHour) keys.rotate(t);
  EXPECT_EQ(keys.keys()->back().name, first);
  keys.rotate(kT0 + 28 * kHour);
  for (const auto& k : *keys.keys()) EXPECT_NE(k.name, first);
  EXPECT_EQ(keys.keys()->size(), 7u);  // 28 h: keys of 4..28 h, newest first
  for (std::size_t i = 1; i < keys.keys()->size(); ++i)
    EXPECT_GT((*keys.keys())[i - 1].created, (*keys.keys())[i].created);
}

TEST_F(TicketKeysTest, KeysSurviveARestartInAPrivateFile) {
  std::array<unsigned char, 16> name{};
  {
    TicketKeys keys(file.string(), kT0);
    name = keys.keys()->front().name;
  }
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  TicketKeys again(file.string(), kT0 + kHour);  // a restart an hour later: same key
  ASSERT_EQ(again.keys()->size(), 1u);
  EXPECT_EQ(again.keys()->front().name, name);
  EXPECT_EQ(again.keys()->front().aes, TicketKeys(file.string(), kT0 + kHour).keys()->front().aes);

  TicketKeys later(file.string(), kT0 + 29 * kHour);  // every saved key expired: a fresh one
  ASSERT_EQ(later.keys()->size(), 1u);
  EXPECT_NE(later.keys()->front().name, name);
}

TEST_F(TicketKeysTest, ACorruptFileIsAnErrorNamingItsLine) {
  std::ofstream(file) << "1800000000 00 11 22\n";
  try {
    TicketKeys keys(file.string(), kT0);
    FAIL() << "a corrupt key file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace foobar::net
