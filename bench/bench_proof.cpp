// Proof bundles (docs/PROTOCOL.md §14): build and verify the bundle of a 100-event lineage.
//
//   bench_proof [--headers N] [--rounds R] [--out FILE]
//
// Sets up a regtest chain in a temp dir: a lot issued by dev key 0, then 24 rounds of (custody
// handed to the next dev key, an attestation by dev key 9, a split into two by the new
// custodian, the lineage following the first half), then 3 attestations of the last half:
// 100 events on 25 lineage assets, 76 txs, padded with empty blocks to N headers (default
// 1,000). Times R builds (BuildProofBundle on a ReadSnapshot: state and blocks from LevelDB) and R
// verifications (decode + VerifyProofBundle) and prints the medians with the bound measured in
// the same run: txs × one BIP-340 verification + headers × one SHA-256d of a header. --out
// writes the bundle (for `waybill proof verify FILE --network regtest`).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "chain/hash.h"
#include "chain/tx.h"
#include "consensus/proof.h"
#include "consensus/read_snapshot.h"

#include "bench_chain.h"

namespace {

using namespace waybill::bench;  // NOLINT: the shared helpers and aliases

constexpr int kRounds = 24;
constexpr int kAttester = 9;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Chain {
  std::vector<chain::BlockHeader> headers;
  std::map<chain::Hash256, chain::Bytes> blocks;
  chain::Hash256 subject;
  size_t txs = 0;
};

chain::Transaction Signed(const consensus::ChainParams& p, const chain::SecretKey& key,
                          uint64_t nonce, chain::Operation op) {
  chain::Transaction tx;
  tx.chain_id = p.chain_id();
  tx.sender = key.PublicKey();
  tx.nonce = nonce;
  tx.fee = 5000;
  tx.op = std::move(op);
  tx.Sign(key);
  return tx;
}

void Append(consensus::Chainstate* cs, const consensus::ChainParams& p, Chain* c,
            std::vector<chain::Transaction> txs) {
  const uint32_t parent_height = static_cast<uint32_t>(c->headers.size());
  const chain::Hash256 prev = c->headers.empty() ? p.genesis_id : c->headers.back().Id();
  const uint32_t parent_time = c->headers.empty() ? p.genesis_time : c->headers.back().time;
  const uint32_t time =
      p.genesis_time + (parent_height + 1) * static_cast<uint32_t>(p.target_block_time);
  c->txs += txs.size();
  chain::Bytes bytes = MakeBlock(p, prev, parent_height, parent_time, time, std::move(txs),
                                 chain::AccountId{});
  chain::DecodedBlock block = Decode(p, bytes);
  Connect(cs, block);
  c->headers.push_back(block.block.header);
  c->blocks[block.block.header.Id()] = std::move(bytes);
}

Chain BuildChain(consensus::Chainstate* cs, const consensus::ChainParams& p, uint32_t headers) {
  std::vector<chain::SecretKey> keys;
  for (uint32_t i = 0; i < kDevKeys; ++i) keys.push_back(KeyFrom(chain::DevSecretKeyBytes(i)));
  std::vector<uint64_t> nonce(kDevKeys, 0);
  auto tx = [&](int k, chain::Operation op) { return Signed(p, keys[k], nonce[k]++, op); };
  Chain c;
  chain::Hash256 lot = chain::AssetIdFor(p.chain_id(), keys[0].PublicKey(), 0, 0);
  Append(cs, p, &c, {tx(0, chain::AssetIssueOp{1u << 24, "g", {{"lot", "L-1"}}, {}})});
  int holder = 0;
  chain::Quantity quantity = 1u << 24;
  for (int r = 0; r < kRounds; ++r) {
    const int next = 1 + r % 8;  // dev keys 1..8 (never the attester or the current holder)
    const int to = next == holder ? 1 + (next % 8) : next;
    std::vector<chain::Transaction> txs;
    txs.push_back(tx(holder, chain::AssetTransferOp{lot, keys[to].PublicKey()}));
    txs.push_back(tx(kAttester, chain::AssetAttestOp{lot, "temp.max", "4C", {}}));
    const uint64_t split_nonce = nonce[to];
    quantity /= 2;
    txs.push_back(tx(to, chain::AssetSplitOp{lot, chain::SplitChildren({quantity, quantity})}));
    Append(cs, p, &c, std::move(txs));
    lot = chain::AssetIdFor(p.chain_id(), keys[to].PublicKey(), split_nonce, 0);
    holder = to;
  }
  Append(cs, p, &c,
         {tx(kAttester, chain::AssetAttestOp{lot, "a", "1", {}}),
          tx(kAttester, chain::AssetAttestOp{lot, "b", "2", {}}),
          tx(kAttester, chain::AssetAttestOp{lot, "c", "3", {}})});
  while (c.headers.size() < headers) Append(cs, p, &c, {});
  c.subject = lot;
  return c;
}

// Seconds per call of fn, over at least n calls.
template <typename Fn>
double PerCall(int n, Fn fn) {
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) fn(i);
  return Seconds(start) / n;
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t headers = 1000;
  int rounds = 21;
  std::string out;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--headers") == 0) headers = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--out") == 0) out = argv[i + 1];
  }
  if (headers < kRounds + 2 || rounds < 1) Die("usage: bench_proof [--headers N] [--rounds R]");
  const consensus::ChainParams p = RegtestParams();
  const auto dir = std::filesystem::temp_directory_path() / "waybill_bench_proof";
  auto cs = OpenChain(dir, p, 1);
  const Chain c = BuildChain(cs.get(), p, headers);

  std::vector<double> build_s, verify_s, headers_s;
  chain::Bytes bytes;
  size_t events = 0, assets = 0, txs = 0;
  {
    // As the REST route does: one snapshot, its state and blocks read from LevelDB.
    const auto snapshot = cs->TakeSnapshot();
    for (int r = 0; r < rounds; ++r) {
      const auto start = Clock::now();
      auto b = consensus::BuildProofBundle(*snapshot, c.subject);
      if (!b.ok()) Die("build: " + b.status().ToString());
      bytes = consensus::EncodeProofBundle(*b);
      build_s.push_back(Seconds(start));
      assets = b->assets.size();
      txs = b->txs.size();
      events = 0;
      for (const auto& a : b->assets) events += a.events.size();
    }
    for (int r = 0; r < rounds; ++r) {  // the headers alone: the build's share of LevelDB reads
      const auto start = Clock::now();
      auto h = snapshot->ActiveHeaders(1, snapshot->tip().height);
      if (!h.ok()) Die("headers: " + h.status().ToString());
      headers_s.push_back(Seconds(start));
    }
  }
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    auto b = consensus::DecodeProofBundle(bytes);
    if (!b.ok()) Die("decode: " + b.status().ToString());
    consensus::ProofReport report = consensus::VerifyProofBundle(*b, p);
    if (!report.ok) Die("verify: " + report.Describe());
    verify_s.push_back(Seconds(start));
  }

  // The bound, measured now: one BIP-340 verification, one SHA-256d of a 116-byte header.
  const chain::SecretKey key = KeyFrom(chain::DevSecretKeyBytes(0));
  const chain::Hash256 msg = chain::Sha256Hash(chain::ByteSpan(bytes.data(), 32));
  const chain::Signature sig = key.Sign(msg.span());
  const double schnorr = PerCall(2000, [&](int) {
    if (!chain::VerifySchnorr(key.PublicKey(), msg.span(), sig)) Die("schnorr");
  });
  chain::BlockHeader h = c.headers.back();
  volatile uint8_t sink = 0;
  const double sha256d = PerCall(200000, [&](int i) {
    h.nonce = static_cast<uint64_t>(i);
    sink = sink ^ h.Id().bytes[0];
  });
  const double bound = static_cast<double>(txs) * schnorr + headers * sha256d;
  const double build = Median(build_s), verify = Median(verify_s);
  std::printf("lineage: %zu assets, %zu events, %zu txs; %u headers; bundle %zu bytes\n", assets,
              events, txs, headers, bytes.size());
  std::printf("build_median_ms %.3f (goal 20), of which ActiveHeaders %.3f\n", build * 1e3,
              Median(headers_s) * 1e3);
  std::printf("verify_median_ms %.3f (goal 100)\n", verify * 1e3);
  std::printf("schnorr_verify_us %.2f sha256d_header_us %.3f\n", schnorr * 1e6, sha256d * 1e6);
  std::printf("bound_ms %.3f (txs x schnorr + headers x sha256d)\n", bound * 1e3);
  std::printf("verify / bound %.2f\n", verify / bound);
  std::printf("events x schnorr + headers x sha256d: %.3f ms; verify / that %.2f\n",
              (events * schnorr + headers * sha256d) * 1e3,
              verify / (events * schnorr + headers * sha256d));
  if (!out.empty()) {
    std::FILE* f = std::fopen(out.c_str(), "wb");
    if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f)) {
      Die("cannot write " + out);
    }
  }
  cs.reset();
  std::filesystem::remove_all(dir);
  return sink == 255 ? 0 : 0;
}
