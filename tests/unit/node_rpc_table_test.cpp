// RpcTable: JSON-RPC 2.0 envelopes, the legacy 1.0 dialect, batches, notifications, the
// checking of registered param names, the mapping of handler failures to error objects, and
// batch handlers (runs of one method's calls in a batch).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "node/rpc/table.h"

namespace waybill::node {
namespace {

class RpcTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_.Register(
        "echo", {"a", "b"}, [](const Args& a) { return a.params(); },
        "echo ...  Returns its params.");
    table_.Register(
        "count", {},
        [this](const Args&) -> Json {
          ++calls_;
          return calls_.load();
        },
        "count  Counts calls.");
    table_.Register(
        "add", {"a", "b"},
        [](const Args& a) -> Json { return a.Required(0).get<int>() + a.Required(1).get<int>(); },
        "add a b  Sum.");
    table_.Register(
        "fail", {},
        [](const Args&) -> Json { throw RpcError(rpc_code::kInvalidAddress, "no such"); },
        "fail  Always fails.");
    table_.Register(
        "boom", {},
        [](const Args&) -> Json { throw std::runtime_error("/secret/path/db: corrupt"); },
        "boom  Internal failure.");
    table_.Register(
        "oom", {}, [](const Args&) -> Json { throw std::bad_alloc(); }, "oom  Out of memory.");
  }

  Json Call(const std::string& text) const { return table_.Handle(Json::parse(text)); }

  RpcTable table_;
  std::atomic<int> calls_{0};
};

TEST_F(RpcTableTest, ResultEnvelope) {
  Json r = Call(R"({"jsonrpc":"2.0","method":"add","params":[2,3],"id":7})");
  EXPECT_EQ(r, Json::parse(R"({"jsonrpc":"2.0","result":5,"id":7})"));
}

TEST_F(RpcTableTest, IdKeptAsGiven) {
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"count","id":"abc"})")["id"], "abc");
  EXPECT_TRUE(Call(R"({"jsonrpc":"2.0","method":"count","id":null})")["id"].is_null());
  Json bad = Call(R"({"jsonrpc":"2.0","method":"count","id":[1]})");
  EXPECT_EQ(bad["error"]["code"], rpc_code::kInvalidRequest);
  EXPECT_TRUE(bad["id"].is_null());
}

TEST_F(RpcTableTest, ParamsPassedAsGiven) {
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"echo","params":{"a":1},"id":1})")["result"],
            Json::parse(R"({"a":1})"));
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"echo","params":[1,"x"],"id":1})")["result"],
            Json::parse(R"([1,"x"])"));
  // Absent or null params reach the handler as an empty array.
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"echo","id":1})")["result"], Json::array());
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"echo","params":null,"id":1})")["result"],
            Json::array());
  Json bad = Call(R"({"jsonrpc":"2.0","method":"echo","params":5,"id":1})");
  EXPECT_EQ(bad["error"]["code"], rpc_code::kInvalidRequest);
  EXPECT_EQ(bad["id"], 1);
}

TEST_F(RpcTableTest, LegacyRequestsAreAnsweredAs20) {
  // bitcoin-cli style: no "jsonrpc", id present.
  Json r = Call(R"({"method":"add","params":[1,1],"id":"curltest"})");
  EXPECT_EQ(r, Json::parse(R"({"jsonrpc":"2.0","result":2,"id":"curltest"})"));
  EXPECT_EQ(Call(R"({"jsonrpc":"1.0","method":"add","params":[1,1],"id":1})")["result"], 2);
  // A legacy request without id is still answered (1.0 clients wait for a reply).
  Json no_id = Call(R"({"method":"count"})");
  ASSERT_TRUE(no_id.is_object());
  EXPECT_TRUE(no_id["id"].is_null());
  EXPECT_EQ(no_id["result"], 1);
}

TEST_F(RpcTableTest, NotificationRunsButGetsNoResponse) {
  EXPECT_TRUE(Call(R"({"jsonrpc":"2.0","method":"count"})").is_null());
  EXPECT_EQ(calls_, 1);
  // Errors of notifications are not reported either.
  EXPECT_TRUE(Call(R"({"jsonrpc":"2.0","method":"nosuch"})").is_null());
  EXPECT_TRUE(Call(R"({"jsonrpc":"2.0","method":"fail"})").is_null());
}

TEST_F(RpcTableTest, Batch) {
  Json r = Call(R"([
    {"jsonrpc":"2.0","method":"add","params":[1,2],"id":1},
    {"jsonrpc":"2.0","method":"count"},
    {"jsonrpc":"2.0","method":"nosuch","id":2},
    5,
    {"jsonrpc":"2.0","method":"add","params":[3,4],"id":3}
  ])");
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.size(), 4u);  // the notification is left out
  EXPECT_EQ(r[0]["result"], 3);
  EXPECT_EQ(r[1]["error"]["code"], rpc_code::kMethodNotFound);
  EXPECT_EQ(r[1]["id"], 2);
  EXPECT_EQ(r[2]["error"]["code"], rpc_code::kInvalidRequest);
  EXPECT_TRUE(r[2]["id"].is_null());
  EXPECT_EQ(r[3]["result"], 7);
  EXPECT_EQ(calls_, 1);
}

TEST_F(RpcTableTest, EmptyBatchIsInvalid) {
  Json r = Call("[]");
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["error"]["code"], rpc_code::kInvalidRequest);
  EXPECT_TRUE(r["id"].is_null());
}

TEST_F(RpcTableTest, BatchLimit) {
  Json batch = Json::array();
  for (size_t i = 0; i < kRpcMaxBatchEntries; ++i) {
    batch.push_back({{"jsonrpc", "2.0"}, {"method", "count"}, {"id", i}});
  }
  Json r = table_.Handle(batch);
  ASSERT_TRUE(r.is_array());
  EXPECT_EQ(r.size(), kRpcMaxBatchEntries);
  batch.push_back({{"jsonrpc", "2.0"}, {"method", "count"}, {"id", 0}});
  const int before = calls_;
  for (const Json& refused : {table_.Handle(batch), Json::parse(*table_.HandleToText(batch))}) {
    ASSERT_TRUE(refused.is_object()) << refused.dump().substr(0, 200);
    EXPECT_EQ(refused["error"]["code"], rpc_code::kInvalidRequest);
    EXPECT_EQ(refused["error"]["message"], "Invalid request: batch of 1001 entries, at most 1000");
  }
  EXPECT_EQ(calls_, before);  // no entry of a refused batch runs
}

TEST_F(RpcTableTest, ReplyLimit) {
  const std::string big(1000, 'x');
  Json batch = Json::array();
  for (int i = 0; i < 10; ++i) {
    batch.push_back({{"jsonrpc", "2.0"}, {"method", "echo"}, {"params", {big}}, {"id", i}});
    batch.push_back({{"jsonrpc", "2.0"}, {"method", "count"}, {"id", 100 + i}});
  }
  batch.push_back({{"jsonrpc", "2.0"}, {"method", "count"}});  // a notification
  // Room for about three echoes.
  const size_t limit = 3500;
  std::optional<std::string> text = table_.HandleToText(batch, limit);
  ASSERT_TRUE(text);
  Json r = Json::parse(*text);
  ASSERT_TRUE(r.is_array());
  EXPECT_EQ(r.size(), 20u);  // every entry with an id is answered, the notification is not
  size_t results = 0;
  size_t limited = 0;
  for (const Json& one : r) {
    if (one.contains("result")) ++results;
    if (one.contains("error")) {
      EXPECT_EQ(one["error"]["code"], rpc_code::kServerLimit) << one.dump();
      ++limited;
    }
  }
  EXPECT_GE(results, 3u);
  EXPECT_GE(limited, 10u);
  // Nothing past the limit ran: 3 or 4 counts at most, and not the notification.
  EXPECT_LE(calls_, 4);
  EXPECT_LE(text->size(), limit + 20 * 150);  // the errors of entries not run are short
  // One reply over the limit is replaced by an error that keeps its id.
  text = table_.HandleToText(batch[0], 100);
  ASSERT_TRUE(text);
  r = Json::parse(*text);
  EXPECT_EQ(r["error"]["code"], rpc_code::kServerLimit);
  EXPECT_EQ(r["id"], 0);
  // Under the limit, the text is the dump of Handle's reply.
  EXPECT_EQ(Json::parse(*table_.HandleToText(batch[0])), table_.Handle(batch[0]));
  EXPECT_FALSE(table_.HandleToText(batch.back()));  // a notification: no body
}

TEST_F(RpcTableTest, BatchOfNotificationsGetsNothing) {
  EXPECT_TRUE(
      Call(R"([{"jsonrpc":"2.0","method":"count"},{"jsonrpc":"2.0","method":"count"}])").is_null());
  EXPECT_EQ(calls_, 2);
}

TEST_F(RpcTableTest, InvalidRequests) {
  for (const char* text :
       {R"(5)", R"("x")", R"({"jsonrpc":"2.0","id":1})", R"({"jsonrpc":"2.0","method":5,"id":1})",
        R"({"jsonrpc":"3.0","method":"count","id":1})"}) {
    Json r = Call(text);
    EXPECT_EQ(r["error"]["code"], rpc_code::kInvalidRequest) << text;
    EXPECT_EQ(r["jsonrpc"], "2.0") << text;
  }
  EXPECT_EQ(calls_, 0);
}

TEST_F(RpcTableTest, BadJsonrpcKeepsAValidId) {
  // The id was readable, so the client can match the error to its request.
  Json r = Call(R"({"jsonrpc":"3.0","method":"count","id":7})");
  EXPECT_EQ(r["error"]["code"], rpc_code::kInvalidRequest);
  EXPECT_EQ(r["error"]["message"], "Invalid request: jsonrpc must be \"2.0\"");
  EXPECT_EQ(r["id"], 7);
  EXPECT_EQ(Call(R"({"jsonrpc":2,"method":"count","id":"a"})")["id"], "a");
  // Without an id, or with an invalid one, the error has "id": null.
  EXPECT_TRUE(Call(R"({"jsonrpc":"3.0","method":"count"})")["id"].is_null());
  Json both = Call(R"({"jsonrpc":"3.0","method":"count","id":{}})");
  EXPECT_EQ(both["error"]["code"], rpc_code::kInvalidRequest);
  EXPECT_TRUE(both["id"].is_null());
  EXPECT_EQ(calls_, 0);
}

TEST_F(RpcTableTest, RegisteredParamNamesAreChecked) {
  table_.Register(
      "named", {"first", "second"},
      [this](const Args& a) -> Json {
        ++calls_;
        return a.params();
      },
      "named [first] [second]  Returns its params.");
  // What fits the names reaches the handler as given.
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"named","id":1})")["result"], Json::array());
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"named","params":[1,2],"id":1})")["result"],
            Json::parse("[1,2]"));
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"named","params":{"second":2},"id":1})")["result"],
            Json::parse(R"({"second":2})"));
  EXPECT_EQ(calls_, 3);
  // Too many, or an unknown name: -32602 before the handler runs.
  Json extra = Call(R"({"jsonrpc":"2.0","method":"named","params":[1,2,3],"id":1})");
  EXPECT_EQ(extra["error"]["code"], rpc_code::kInvalidParams);
  EXPECT_EQ(extra["error"]["message"], "Invalid params: expected at most 2, got 3");
  Json unknown = Call(R"({"jsonrpc":"2.0","method":"named","params":{"third":3},"id":1})");
  EXPECT_EQ(unknown["error"]["code"], rpc_code::kInvalidParams);
  EXPECT_EQ(unknown["error"]["message"], "Invalid params: unknown named parameter third");
  EXPECT_EQ(calls_, 3);

  // A method without params refuses any.
  table_.Register(
      "none", {}, [](const Args&) -> Json { return 0; }, "none  Takes nothing.");
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"none","params":[],"id":1})")["result"], 0);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"none","params":{},"id":1})")["result"], 0);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"none","params":[null],"id":1})")["error"]["code"],
            rpc_code::kInvalidParams);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"none","params":{"x":1},"id":1})")["error"]["code"],
            rpc_code::kInvalidParams);
}

TEST_F(RpcTableTest, CheckParamNames) {
  const std::vector<std::string> names = {"a", "b"};
  EXPECT_NO_THROW(CheckParamNames(Json::array(), names));
  EXPECT_NO_THROW(CheckParamNames(Json::parse("[1,null]"), names));
  EXPECT_NO_THROW(CheckParamNames(Json::parse(R"({"b":1,"a":null})"), names));
  EXPECT_THROW(CheckParamNames(Json::parse("[1,2,3]"), names), RpcError);
  EXPECT_THROW(CheckParamNames(Json::parse(R"({"c":1})"), names), RpcError);
  try {
    CheckParamNames(Json::parse(R"({"A":1})"), names);  // names are case-sensitive
    ADD_FAILURE() << "no throw";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.code, rpc_code::kInvalidParams);
  }
}

TEST_F(RpcTableTest, MethodNotFound) {
  Json r = Call(R"({"jsonrpc":"2.0","method":"nosuch","id":1})");
  EXPECT_EQ(r["error"]["code"], rpc_code::kMethodNotFound);
  EXPECT_EQ(r["error"]["message"], "Method not found: nosuch");
  EXPECT_FALSE(r.contains("result"));
}

TEST_F(RpcTableTest, HandlerErrors) {
  Json rpc_error = Call(R"({"jsonrpc":"2.0","method":"fail","id":1})");
  EXPECT_EQ(rpc_error["error"]["code"], rpc_code::kInvalidAddress);
  EXPECT_EQ(rpc_error["error"]["message"], "no such");

  Json params = Call(R"({"jsonrpc":"2.0","method":"add","params":["a",1],"id":1})");
  EXPECT_EQ(params["error"]["code"], rpc_code::kInvalidParams);
  EXPECT_EQ(params["error"]["message"].get<std::string>().rfind("Invalid params: ", 0), 0u);
  Json missing = Call(R"({"jsonrpc":"2.0","method":"add","params":[1],"id":1})");
  EXPECT_EQ(missing["error"]["code"], rpc_code::kInvalidParams);

  Json internal = Call(R"({"jsonrpc":"2.0","method":"boom","id":1})");
  EXPECT_EQ(internal["error"]["code"], rpc_code::kInternalError);
  // The exception's text stays inside the node.
  EXPECT_EQ(internal["error"]["message"].get<std::string>().find("secret"), std::string::npos);

  Json oom = Call(R"({"jsonrpc":"2.0","method":"oom","id":1})");
  EXPECT_EQ(oom["error"]["code"], rpc_code::kInternalError);
}

TEST_F(RpcTableTest, Help) {
  Json all = Call(R"({"jsonrpc":"2.0","method":"help","id":1})")["result"];
  ASSERT_TRUE(all.is_string());
  const std::string text = all.get<std::string>();
  EXPECT_NE(text.find("add a b  Sum."), std::string::npos);
  EXPECT_NE(text.find("help [method]"), std::string::npos);
  EXPECT_LT(text.find("add a b"), text.find("echo ..."));  // sorted by name

  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"help","params":["add"],"id":1})")["result"],
            "add a b  Sum.");
  EXPECT_EQ(
      Call(R"({"jsonrpc":"2.0","method":"help","params":{"method":"fail"},"id":1})")["result"],
      "fail  Always fails.");
  Json unknown = Call(R"({"jsonrpc":"2.0","method":"help","params":["nosuch"],"id":1})");
  EXPECT_EQ(unknown["error"]["code"], rpc_code::kMethodNotFound);
  // help takes one param, "method", like the chain methods refuse more or other names.
  Json extra = Call(R"({"jsonrpc":"2.0","method":"help","params":["add","x"],"id":1})");
  EXPECT_EQ(extra["error"]["code"], rpc_code::kInvalidParams);
  Json other = Call(R"({"jsonrpc":"2.0","method":"help","params":{"command":"add"},"id":1})");
  EXPECT_EQ(other["error"]["code"], rpc_code::kInvalidParams);
  EXPECT_EQ(other["error"]["message"], "Invalid params: unknown named parameter command");

  std::vector<std::string> names = table_.Names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "help"), names.end());
  ASSERT_NE(table_.Help("help"), nullptr);
  EXPECT_EQ(table_.Help("nosuch"), nullptr);
}

// A method with a batch handler ("tenfold": x -> 10x, an error for x < 0 or x not a number),
// and the same method without one ("single"), so a batch's replies can be compared entry by
// entry with the single calls'.
class RpcTableBatchTest : public RpcTableTest {
 protected:
  static Json Tenfold(const Args& a) {
    const int x = a.Required(0).get<int>();
    if (x < 0) throw RpcError(rpc_code::kVerifyRejected, "negative: " + std::to_string(x));
    return 10 * x;
  }
  void SetUp() override {
    RpcTableTest::SetUp();
    table_.Register("tenfold", {"x"}, Tenfold, "tenfold x  Ten times x.");
    ASSERT_TRUE(table_.RegisterBatch("tenfold", [this](std::span<const Args> calls) {
      runs_.push_back(calls.size());
      std::vector<RpcCallResult> out;
      for (const Args& a : calls) out.push_back(RunRpcCall([&] { return Tenfold(a); }));
      return out;
    }));
    plain_.Register("tenfold", {"x"}, Tenfold, "tenfold x  Ten times x.");
  }
  static Json Entry(const std::string& method, Json params, Json id) {
    Json e = {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
    if (!id.is_null()) e["id"] = std::move(id);
    return e;
  }

  RpcTable plain_;
  std::vector<size_t> runs_;
};

TEST_F(RpcTableBatchTest, RunsGoTogetherAndAnswerAsSingleCalls) {
  Json batch = Json::array(
      {Entry("tenfold", {1}, 1), Entry("tenfold", {-2}, 2), Entry("tenfold", {"x"}, 3),
       Entry("tenfold", {3}, Json()),                    // a notification: runs, no reply
       Entry("tenfold", Json::object({{"y", 1}}), 4),    // params do not fit: not in the run
       Entry("tenfold", {4}, 5), Entry("count", {}, 6),  // another method ends the run
       Entry("tenfold", {5}, 7), Json::parse(R"({"method":5,"id":8})"),  // so does a broken entry
       Entry("tenfold", {6}, 9), Entry("tenfold", {7}, 10), Entry("nosuch", {}, 11),
       Entry("tenfold", {}, 12)});
  for (const Json& reply : {table_.Handle(batch), Json::parse(*table_.HandleToText(batch))}) {
    ASSERT_TRUE(reply.is_array());
    ASSERT_EQ(reply.size(), batch.size() - 1);  // no reply to the notification
    size_t k = 0;
    for (const Json& entry : batch) {
      if (!entry.contains("id")) continue;
      // The same reply as the entry alone, sent to a table without the batch handler (count
      // counts, so its reply differs).
      if (entry.value("method", Json()) != "count") {
        EXPECT_EQ(reply[k], plain_.Handle(entry)) << entry.dump();
      }
      ++k;
    }
  }
  // Runs of 5 (one left out for its params), 1, 2 and 1, twice; count ran on its own.
  EXPECT_EQ(runs_, (std::vector<size_t>{5, 1, 2, 1, 5, 1, 2, 1}));
  EXPECT_EQ(calls_, 2);
  Json replies = table_.Handle(batch);
  EXPECT_EQ(replies[5]["result"], 3);  // count, between runs, ran in its turn
  EXPECT_EQ(replies[0]["result"], 10);
  EXPECT_EQ(replies[1]["error"]["code"], rpc_code::kVerifyRejected);
  EXPECT_EQ(replies[1]["error"]["message"], "negative: -2");
  EXPECT_EQ(replies[2]["error"]["code"], rpc_code::kInvalidParams);
  EXPECT_EQ(replies[3]["error"]["message"], "Invalid params: unknown named parameter y");
  EXPECT_EQ(replies[11]["error"]["code"], rpc_code::kInvalidParams);  // missing x
}

TEST_F(RpcTableBatchTest, SingleCallsAndBatchesOfOneUseTheSingleHandlerOrARunOfOne) {
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"tenfold","params":[2],"id":1})")["result"], 20);
  EXPECT_TRUE(runs_.empty());  // not a batch
  EXPECT_EQ(Call(R"([{"jsonrpc":"2.0","method":"tenfold","params":[2],"id":1}])")[0]["result"], 20);
  EXPECT_EQ(runs_, std::vector<size_t>{1});
}

TEST_F(RpcTableBatchTest, AFailingBatchHandlerFailsItsRunOnly) {
  table_.RegisterBatch("tenfold", [](std::span<const Args>) -> std::vector<RpcCallResult> {
    throw std::runtime_error("/secret/path: broken");
  });
  Json batch =
      Json::array({Entry("tenfold", {1}, 1), Entry("tenfold", {2}, 2), Entry("count", {}, 3)});
  Json r = table_.Handle(batch);
  ASSERT_EQ(r.size(), 3u);
  for (int i : {0, 1}) {
    EXPECT_EQ(r[i]["error"]["code"], rpc_code::kInternalError);
    EXPECT_EQ(r[i]["error"]["message"], "Internal error");
    EXPECT_EQ(r[i]["id"], i + 1);
  }
  EXPECT_EQ(r[2]["result"], 1);
  // One result too few is a fault of the handler, not a reply.
  table_.RegisterBatch("tenfold", [](std::span<const Args> calls) {
    return std::vector<RpcCallResult>(calls.size() - 1, RpcCallResult{Json(5), std::nullopt});
  });
  r = table_.Handle(batch);
  EXPECT_EQ(r[0]["error"]["code"], rpc_code::kInternalError);
  EXPECT_EQ(r[1]["error"]["code"], rpc_code::kInternalError);
}

TEST_F(RpcTableBatchTest, RegisterBatchNeedsTheMethodAndRegisterDropsIt) {
  EXPECT_FALSE(table_.RegisterBatch(
      "nosuch", [](std::span<const Args>) { return std::vector<RpcCallResult>(); }));
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","method":"nosuch","id":1})")["error"]["code"],
            rpc_code::kMethodNotFound);
  table_.Register("tenfold", {"x"}, Tenfold, "tenfold x  Ten times x.");
  Json r = Call(R"([{"jsonrpc":"2.0","method":"tenfold","params":[1],"id":1},
                    {"jsonrpc":"2.0","method":"tenfold","params":[2],"id":2}])");
  EXPECT_EQ(r[1]["result"], 20);
  EXPECT_TRUE(runs_.empty());
}

TEST_F(RpcTableBatchTest, ReplyLimitAfterARunSaysTheCallsRan) {
  Json batch = Json::array();
  for (int i = 0; i < 20; ++i) batch.push_back(Entry("tenfold", {i}, i));
  batch.push_back(Entry("count", {}, 100));
  std::optional<std::string> text = table_.HandleToText(batch, 200);
  ASSERT_TRUE(text);
  Json r = Json::parse(*text);
  ASSERT_EQ(r.size(), 21u);
  EXPECT_EQ(runs_, std::vector<size_t>{20});  // the whole run ran
  EXPECT_EQ(r[0]["result"], 0);
  EXPECT_EQ(r[19]["error"]["code"], rpc_code::kServerLimit);
  EXPECT_EQ(r[19]["id"], 19);
  EXPECT_EQ(r[19]["error"]["message"].get<std::string>().rfind("Reply too large", 0), 0u);
  EXPECT_EQ(r[20]["error"]["message"].get<std::string>().rfind("Not run", 0), 0u);
  EXPECT_EQ(calls_, 0);  // count, after the limit, did not run
}

}  // namespace
}  // namespace waybill::node
