#include "web/preconditions.hpp"

#include <gtest/gtest.h>

#include "http/date.hpp"

using namespace foobar;
using web::RangeRequest;

namespace {

constexpr std::string_view kEtag = "\"5f-100\"";
constexpr std::time_t kMtime = 1700000000;

struct Req {
  http::Request r;
  std::vector<std::string> storage;
  Req& h(std::string name, std::string value) {
    storage.push_back(std::move(name));
    storage.push_back(std::move(value));
    return *this;
  }
  const http::Request& get(http::Method m = http::Method::Get) {
    r.method = m;
    r.headers.fields.clear();
    for (std::size_t i = 0; i < storage.size(); i += 2) r.headers.fields.push_back({storage[i], storage[i + 1]});
    return r;
  }
};

std::string date(std::time_t t) {
  char buf[http::kHttpDateLen];
  http::format_http_date(t, buf);
  return {buf, sizeof buf};
}

}  // namespace

TEST(Preconditions, NoneMeansProceed) {
  Req q;
  EXPECT_EQ(web::evaluate_preconditions(q.get(), kEtag, kMtime), 0);
}

TEST(Preconditions, IfNoneMatch) {
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-None-Match", "\"5f-100\"").get(), kEtag, kMtime), 304);
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-None-Match", "\"x\", W/\"5f-100\"").get(), kEtag, kMtime), 304);
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-None-Match", "*").get(), kEtag, kMtime), 304);
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-None-Match", "\"other\"").get(), kEtag, kMtime), 0);
  // If-None-Match wins over If-Modified-Since.
  EXPECT_EQ(web::evaluate_preconditions(
                Req().h("If-None-Match", "\"other\"").h("If-Modified-Since", date(kMtime)).get(), kEtag, kMtime),
            0);
}

TEST(Preconditions, IfModifiedSince) {
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-Modified-Since", date(kMtime)).get(), kEtag, kMtime), 304);
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-Modified-Since", date(kMtime - 1)).get(), kEtag, kMtime), 0);
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-Modified-Since", "garbage").get(), kEtag, kMtime), 0);
}

TEST(Preconditions, IfMatchAndIfUnmodifiedSince) {
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-Match", "\"nope\"").get(), kEtag, kMtime), 412);
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-Match", "W/\"5f-100\"").get(), kEtag, kMtime), 412);  // strong
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-Match", "\"5f-100\"").get(), kEtag, kMtime), 0);
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-Unmodified-Since", date(kMtime - 10)).get(), kEtag, kMtime), 412);
  EXPECT_EQ(web::evaluate_preconditions(Req().h("If-Unmodified-Since", date(kMtime)).get(), kEtag, kMtime), 0);
}

TEST(Ranges, SingleAndSuffixAndOpen) {
  auto r = web::evaluate_range(Req().h("Range", "bytes=0-99").get(), 1000, kEtag, kMtime);
  ASSERT_EQ(r.kind, RangeRequest::Kind::Partial);
  ASSERT_EQ(r.ranges.size(), 1u);
  EXPECT_EQ(r.ranges[0].first, 0u);
  EXPECT_EQ(r.ranges[0].length, 100u);
  r = web::evaluate_range(Req().h("Range", "bytes=-100").get(), 1000, kEtag, kMtime);
  EXPECT_EQ(r.ranges[0].first, 900u);
  r = web::evaluate_range(Req().h("Range", "bytes=990-").get(), 1000, kEtag, kMtime);
  EXPECT_EQ(r.ranges[0].length, 10u);
  r = web::evaluate_range(Req().h("Range", "bytes=500-5000").get(), 1000, kEtag, kMtime);
  EXPECT_EQ(r.ranges[0].length, 500u);
}

TEST(Ranges, Multiple) {
  auto r = web::evaluate_range(Req().h("Range", "bytes=0-9, 20-29,-5").get(), 100, kEtag, kMtime);
  ASSERT_EQ(r.kind, RangeRequest::Kind::Partial);
  EXPECT_EQ(r.ranges.size(), 3u);
}

TEST(Ranges, UnsatisfiableAndMalformed) {
  EXPECT_EQ(web::evaluate_range(Req().h("Range", "bytes=1000-").get(), 1000, kEtag, kMtime).kind,
            RangeRequest::Kind::Unsatisfiable);
  EXPECT_EQ(web::evaluate_range(Req().h("Range", "bytes=-0").get(), 1000, kEtag, kMtime).kind,
            RangeRequest::Kind::Unsatisfiable);
  for (const char* bad : {"bytes=9-1", "bytes=a-b", "items=0-1", "bytes=--1", "bytes 0-1"})
    EXPECT_EQ(web::evaluate_range(Req().h("Range", bad).get(), 1000, kEtag, kMtime).kind, RangeRequest::Kind::Full)
        << bad;
}

TEST(Ranges, TooManyRangesServeTheWholeFile) {
  std::string many = "bytes=0-0";
  for (int i = 1; i < 40; ++i) many += "," + std::to_string(i * 2) + "-" + std::to_string(i * 2);
  EXPECT_EQ(web::evaluate_range(Req().h("Range", many).get(), 1000, kEtag, kMtime).kind, RangeRequest::Kind::Full);
}

TEST(Ranges, IfRange) {
  EXPECT_EQ(web::evaluate_range(Req().h("Range", "bytes=0-1").h("If-Range", "\"5f-100\"").get(), 100, kEtag, kMtime).kind,
            RangeRequest::Kind::Partial);
  EXPECT_EQ(web::evaluate_range(Req().h("Range", "bytes=0-1").h("If-Range", "\"old\"").get(), 100, kEtag, kMtime).kind,
            RangeRequest::Kind::Full);
  EXPECT_EQ(web::evaluate_range(Req().h("Range", "bytes=0-1").h("If-Range", date(kMtime)).get(), 100, kEtag, kMtime).kind,
            RangeRequest::Kind::Partial);
  EXPECT_EQ(web::evaluate_range(Req().h("Range", "bytes=0-1").h("If-Range", date(kMtime - 5)).get(), 100, kEtag, kMtime).kind,
            RangeRequest::Kind::Full);
}
