// A bulk signer for the benchmarks (bench/e2e_bench.py): signed txs of development keys, one
// per input line, through wallet/'s builders and signer (as the `waybill` CLI builds them),
// thousands per second where one `waybill tx ... --dry-run` process per tx manages tens.
//
//   txgen --chain-id HEX [--fee-rate N] < plan
//
// One line of the plan per tx (KEY, TO: a development key index, wallet::DevKey; ASSET: 64
// hex, or `last`, the asset KEY's last `issue` of this plan created):
//   transfer KEY NONCE TO AMOUNT          coins, in base units
//   issue KEY NONCE QUANTITY UNIT         an asset with one metadata entry (lot=KEY-NONCE)
//   attest KEY NONCE ASSET CLAIM VALUE
//   asset-transfer KEY NONCE ASSET TO
//   account KEY                           no tx: prints the key's 64-hex account id
// Prints "TXID HEX" per tx (HEX: sendrawtransaction's), in input order. The fee is the size
// fee at --fee-rate (default 1, regtest's minimum). The content rules are not checked here
// (consensus/tx_check.h): a node refuses a bad tx with its reason. Exit 1 at the first line
// that cannot be signed, naming it.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "chain/tx.h"
#include "chain/types.h"
#include "wallet/signer.h"
#include "wallet/tx_builder.h"

namespace {

namespace chain = waybill::chain;
namespace wallet = waybill::wallet;

class Keys {
 public:
  const wallet::KeySigner* Get(uint32_t index) {
    auto it = signers_.find(index);
    if (it != signers_.end()) return it->second.get();
    chain::Result<chain::SecretKey> key = wallet::DevKey(index);
    if (!key.ok()) return nullptr;
    auto signer = std::make_unique<wallet::KeySigner>(std::move(*key));
    return signers_.emplace(index, std::move(signer)).first->second.get();
  }

 private:
  std::map<uint32_t, std::unique_ptr<wallet::KeySigner>> signers_;
};

struct Plan {
  chain::Hash256 chain_id;
  chain::Amount fee_rate = 1;
  Keys keys;
  std::map<uint32_t, chain::Hash256> last_issue;  // key index -> its last issued asset
};

std::optional<uint64_t> ParseU64(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (*end != '\0' || s[0] == '-') return std::nullopt;
  return v;
}

// The operation of one plan line (words after KEY NONCE), or an error.
chain::Result<chain::Operation> OpOf(Plan& plan, const std::string& verb, uint32_t key,
                                     uint64_t nonce, const std::vector<std::string>& w) {
  auto account = [&](const std::string& s) -> std::optional<chain::AccountId> {
    std::optional<uint64_t> i = ParseU64(s);
    const wallet::KeySigner* signer = i && *i <= UINT32_MAX ? plan.keys.Get(*i) : nullptr;
    if (!signer) return std::nullopt;
    return signer->Account();
  };
  auto asset = [&](const std::string& s) -> std::optional<chain::Hash256> {
    if (s != "last") return chain::Hash256::FromHex(s);
    auto it = plan.last_issue.find(key);
    if (it == plan.last_issue.end()) return std::nullopt;
    return it->second;
  };
  auto bad = [](const std::string& what) { return chain::Status::Invalid("bad " + what); };
  if (verb == "transfer" && w.size() == 2) {
    std::optional<chain::AccountId> to = account(w[0]);
    std::optional<uint64_t> amount = ParseU64(w[1]);
    if (!to || !amount) return bad("TO or AMOUNT");
    return wallet::MakeTransfer(*to, *amount);
  }
  if (verb == "issue" && w.size() == 2) {
    std::optional<uint64_t> quantity = ParseU64(w[0]);
    if (!quantity) return bad("QUANTITY");
    wallet::NewAsset a{*quantity, w[1],
                       {{"lot", std::to_string(key) + "-" + std::to_string(nonce)}}, {}};
    return wallet::MakeIssue(std::move(a));
  }
  if (verb == "attest" && w.size() == 3) {
    std::optional<chain::Hash256> id = asset(w[0]);
    if (!id) return bad("ASSET");
    return wallet::MakeAttest(*id, w[1], w[2], std::nullopt);
  }
  if (verb == "asset-transfer" && w.size() == 2) {
    std::optional<chain::Hash256> id = asset(w[0]);
    std::optional<chain::AccountId> to = account(w[1]);
    if (!id || !to) return bad("ASSET or TO");
    return wallet::MakeAssetTransfer(*id, *to);
  }
  return chain::Status::Invalid("unknown verb or wrong number of words");
}

// One plan line: prints its output line, or returns the error.
chain::Status RunLine(Plan& plan, const std::string& line, std::string* out) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) return chain::Status::Ok();
  std::optional<uint64_t> key = words.size() >= 2 ? ParseU64(words[1]) : std::nullopt;
  const wallet::KeySigner* signer =
      key && *key <= UINT32_MAX ? plan.keys.Get(static_cast<uint32_t>(*key)) : nullptr;
  if (!signer) return chain::Status::Invalid("bad KEY");
  if (words[0] == "account" && words.size() == 2) {
    *out = signer->Account().ToHex();
    return chain::Status::Ok();
  }
  std::optional<uint64_t> nonce = words.size() >= 3 ? ParseU64(words[2]) : std::nullopt;
  if (!nonce) return chain::Status::Invalid("bad NONCE");
  const uint32_t k = static_cast<uint32_t>(*key);
  chain::Result<chain::Operation> op =
      OpOf(plan, words[0], k, *nonce, {words.begin() + 3, words.end()});
  if (!op.ok()) return op.status();
  wallet::TxParams params;
  params.chain_id = plan.chain_id;
  params.nonce = *nonce;
  params.fee_per_byte = plan.fee_rate;
  chain::Result<chain::Transaction> tx = wallet::BuildTx(signer->Account(), *op, params);
  if (!tx.ok()) return tx.status();
  chain::Result<wallet::SignedTx> signed_tx = wallet::SignTx(*signer, std::move(*tx));
  if (!signed_tx.ok()) return signed_tx.status();
  if (!signed_tx->new_assets.empty()) plan.last_issue[k] = signed_tx->new_assets.front();
  *out = signed_tx->txid.ToHex() + " " + chain::HexEncode(signed_tx->raw);
  return chain::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  Plan plan;
  bool have_chain = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--chain-id") == 0) {
      std::optional<chain::Hash256> id = chain::Hash256::FromHex(argv[i + 1]);
      if (id) plan.chain_id = *id;
      have_chain = id.has_value();
    } else if (std::strcmp(argv[i], "--fee-rate") == 0) {
      std::optional<uint64_t> rate = ParseU64(argv[i + 1]);
      if (!rate) have_chain = false;
      plan.fee_rate = rate.value_or(0);
    }
  }
  if (!have_chain || argc % 2 == 0) {
    std::fprintf(stderr, "usage: txgen --chain-id HEX [--fee-rate N] < plan (see txgen.cpp)\n");
    return 1;
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  std::string out;
  for (uint64_t n = 1; std::getline(std::cin, line); ++n) {
    out.clear();
    if (chain::Status s = RunLine(plan, line, &out); !s.ok()) {
      std::fprintf(stderr, "txgen: line %llu '%s': %s\n", static_cast<unsigned long long>(n),
                   line.c_str(), s.reason().c_str());
      return 1;
    }
    if (!out.empty()) std::cout << out << '\n';
  }
  std::cout.flush();
  return 0;
}
