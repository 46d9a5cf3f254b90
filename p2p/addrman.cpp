#include "p2p/addrman.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "chain/file_util.h"

namespace waybill::p2p {
namespace {

// Bucketing tags (docs/PROTOCOL.md "Address book"). Each hash is
// tagged_hash(tag, key || ...) read as a little-endian u64 from its first 8 bytes.
constexpr std::string_view kTagNewSourceBucket = "Waybill/AddrNewSourceBucket";
constexpr std::string_view kTagNewBucket = "Waybill/AddrNewBucket";
constexpr std::string_view kTagTriedGroupBucket = "Waybill/AddrTriedGroupBucket";
constexpr std::string_view kTagTriedBucket = "Waybill/AddrTriedBucket";
constexpr std::string_view kTagSlot = "Waybill/AddrSlot";
constexpr uint8_t kSlotTableNew = 0;
constexpr uint8_t kSlotTableTried = 1;

constexpr char kMagic[4] = {'W', 'B', 'A', 'M'};
constexpr uint8_t kVersion = 1;
constexpr uint64_t kMaxTime = static_cast<uint64_t>(INT64_MAX);

// IsTerrible and the selection chance, as in Bitcoin Core.
constexpr int64_t kRecentTry = 60;                    // never terrible right after a try
constexpr int64_t kMaxFuture = 10 * 60;               // last_seen this far ahead: terrible
constexpr int64_t kHorizon = 30 * 24 * 60 * 60;       // not seen for this long: terrible
constexpr uint32_t kRetries = 3;                      // failures without any success
constexpr uint32_t kMaxFailures = 10;                 // failures ...
constexpr int64_t kMinFailWindow = 7 * 24 * 60 * 60;  // ... without a success for this long
constexpr int64_t kChanceRecentTry = 10 * 60;         // a try this recent: chance / 100

// 0.66^n in millionths, n = 0..8 (more failures count as 8).
constexpr uint64_t kChancePpm[9] = {1000000, 660000, 435600, 287496, 189747,
                                    125233,  82654,  54551,  36004};
constexpr uint64_t kMillion = 1000000;
constexpr uint64_t kMaxFactorMilli = 10000000;  // 10,000x: accepts every pick

int64_t ClampNow(int64_t now) { return std::max<int64_t>(now, 0); }

// The SplitMix64 finalizer.
uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// REQUIRES: now >= 0 and every time in info >= 0 (so differences cannot overflow).
bool IsTerrible(const AddrInfo& info, int64_t now) {
  if (info.last_try > 0 && now - info.last_try < kRecentTry) return false;
  if (info.last_seen - now > kMaxFuture) return true;
  if (now - info.last_seen > kHorizon) return true;
  if (info.last_success == 0 && info.attempts >= kRetries) return true;
  if (now - info.last_success > kMinFailWindow && info.attempts >= kMaxFailures) return true;
  return false;
}

uint64_t ChancePpm(const AddrInfo& info, int64_t now) {
  uint64_t chance = kChancePpm[std::min<uint32_t>(info.attempts, 8)];
  if (now - info.last_try < kChanceRecentTry) chance /= 100;
  return chance;
}

void WriteAddr(chain::Writer& w, const NetAddress& a) {
  w.Raw(chain::ByteSpan(a.ip.data(), a.ip.size()));
  w.U16(a.port);
}

bool ReadAddr(chain::Reader& r, NetAddress* a) {
  return r.Raw(a->ip.size(), a->ip.data()) && r.U16(&a->port);
}

// tagged_hash(tag, key || rest), from a hasher primed with the tag prefix and the key.
uint64_t HashU64(const chain::Sha256& primed, chain::ByteSpan rest) {
  chain::Sha256 hasher = primed;
  chain::Hash256 h = hasher.Write(rest).Finalize();
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | h.bytes[i];
  return v;
}

void WriteEntry(chain::Writer& w, const AddrInfo& e) {
  WriteAddr(w, e.addr);
  WriteAddr(w, e.source);
  w.U64(static_cast<uint64_t>(e.last_seen));
  w.U64(static_cast<uint64_t>(e.last_try));
  w.U64(static_cast<uint64_t>(e.last_success));
  w.U32(e.attempts);
}

bool ReadTime(chain::Reader& r, int64_t* t) {
  uint64_t v;
  if (!r.U64(&v)) return false;
  if (v > kMaxTime) return r.Fail("time out of range");
  *t = static_cast<int64_t>(v);
  return true;
}

bool ReadEntry(chain::Reader& r, AddrInfo* e) {
  if (!ReadAddr(r, &e->addr) || !ReadAddr(r, &e->source)) return false;
  if (!ReadTime(r, &e->last_seen) || !ReadTime(r, &e->last_try) || !ReadTime(r, &e->last_success) ||
      !r.U32(&e->attempts)) {
    return false;
  }
  if (!e->addr.IsValid()) return r.Fail("invalid address " + e->addr.ToString());
  return true;
}

// Reads a list of entries, strictly ascending by address, of at most max entries.
bool ReadEntries(chain::Reader& r, uint64_t max, std::vector<AddrInfo>* out) {
  uint64_t n;
  if (!r.CompactSize(&n, max)) return false;
  if (n > r.remaining() / AddrMan::kEntrySize) return r.Fail("unexpected end of data");
  out->resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!ReadEntry(r, &(*out)[i])) return false;
    if (i > 0 && !((*out)[i - 1].addr < (*out)[i].addr)) {
      return r.Fail("entries not in strictly ascending address order");
    }
  }
  return true;
}

bool ReadGeometry(chain::Reader& r, uint32_t* v, uint32_t max, const char* what) {
  if (!r.U32(v)) return false;
  if (*v == 0 || *v > max) return r.Fail(std::string(what) + " out of range");
  return true;
}

uint64_t RandomU64() {
  uint64_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof(v)) != 1) {
    std::random_device rd;  // the OS generator as well, without OpenSSL's pool
    v = uint64_t{rd()} << 32 | rd();
  }
  return v;
}

chain::Hash256 RandomKey() {
  chain::Hash256 key;
  if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1) {
    std::random_device rd;
    for (size_t i = 0; i < key.bytes.size(); i += 4) {
      uint32_t x = rd();
      std::memcpy(key.bytes.data() + i, &x, 4);
    }
  }
  return key;
}

}  // namespace

void AddrMan::Table::Init(uint32_t buckets, uint32_t size) {
  bucket_count = buckets;
  bucket_size = size;
  slots.assign(size_t{buckets} * size, kEmpty);
  fill.assign(buckets, 0);
  nonempty_buckets = 0;
  count = 0;
}

void AddrMan::Table::Put(uint32_t bucket, uint32_t slot, uint32_t id) {
  At(bucket, slot) = id;
  if (fill[bucket]++ == 0) ++nonempty_buckets;
  ++count;
}

void AddrMan::Table::Erase(uint32_t bucket, uint32_t slot) {
  At(bucket, slot) = kEmpty;
  if (--fill[bucket] == 0) --nonempty_buckets;
  --count;
}

AddrMan::AddrMan(AddrManOptions options) : options_(options) {
  auto clamp = [](uint32_t v, uint32_t hi) { return std::clamp<uint32_t>(v, 1, hi); };
  options_.new_bucket_count = clamp(options.new_bucket_count, AddrManOptions::kMaxBucketCount);
  options_.tried_bucket_count = clamp(options.tried_bucket_count, AddrManOptions::kMaxBucketCount);
  options_.bucket_size = clamp(options.bucket_size, AddrManOptions::kMaxBucketSize);
  options_.new_buckets_per_source_group =
      clamp(options.new_buckets_per_source_group, options_.new_bucket_count);
  options_.tried_buckets_per_group =
      clamp(options.tried_buckets_per_group, options_.tried_bucket_count);
  key_ = options.key ? *options.key : RandomKey();
  options_.key.reset();
  rng_.seed(options.seed != 0 ? options.seed : RandomU64());
  uint64_t k0, k1;
  std::memcpy(&k0, key_.bytes.data(), 8);
  std::memcpy(&k1, key_.bytes.data() + 8, 8);
  ids_ = decltype(ids_)(0, KeyedAddressHasher(k0, k1));
  // Every bucketing hash is tagged_hash(tag, key || ...): prime each tag's hasher with the
  // key once.
  const std::array<std::string_view, kKeyedTagCount> tags = {
      kTagNewSourceBucket, kTagNewBucket, kTagTriedGroupBucket, kTagTriedBucket, kTagSlot};
  for (size_t t = 0; t < tags.size(); ++t) {
    keyed_tags_[t] = chain::TaggedHasher(tags[t]);
    keyed_tags_[t].Write(key_.span());
  }
  new_.Init(options_.new_bucket_count, options_.bucket_size);
  tried_.Init(options_.tried_bucket_count, options_.bucket_size);
}

AddrMan::~AddrMan() {
  chain::SecureWipe(key_.bytes.data(), key_.bytes.size());
  chain::SecureWipe(keyed_tags_.data(), sizeof(keyed_tags_));
}

// Both tables place an address in three keyed hashing steps: which of its group's few buckets
// (from `first`, hashed under first_tag, modulo per_group), the bucket (from that choice and
// `group`, modulo buckets), and the slot in the bucket (from the table, the bucket and the
// address).
AddrMan::Position AddrMan::PlaceIn(uint8_t table, const NetAddress& addr, chain::ByteSpan first,
                                   KeyedTag first_tag, uint32_t per_group, chain::ByteSpan group,
                                   KeyedTag bucket_tag, uint32_t buckets) const {
  const auto j = static_cast<uint32_t>(HashU64(keyed_tags_[first_tag], first) % per_group);
  chain::Writer w2;
  w2.VarBytes(group);
  w2.U32(j);
  const auto bucket = static_cast<uint32_t>(HashU64(keyed_tags_[bucket_tag], w2.bytes()) % buckets);
  chain::Writer w3;
  w3.U8(table);
  w3.U32(bucket);
  WriteAddr(w3, addr);
  const auto slot =
      static_cast<uint32_t>(HashU64(keyed_tags_[kSlot], w3.bytes()) % options_.bucket_size);
  return {bucket, slot};
}

AddrMan::Position AddrMan::NewPosition(const NetAddress& addr, const NetAddress& source) const {
  const chain::Bytes src_group = source.Group();
  chain::Writer first;  // the address's group and the source's group
  first.VarBytes(addr.Group());
  first.VarBytes(src_group);
  return PlaceIn(kSlotTableNew, addr, first.bytes(), kNewSourceBucket,
                 options_.new_buckets_per_source_group, src_group, kNewBucket,
                 options_.new_bucket_count);
}

AddrMan::Position AddrMan::TriedPosition(const NetAddress& addr) const {
  chain::Writer first;  // the address
  WriteAddr(first, addr);
  return PlaceIn(kSlotTableTried, addr, first.bytes(), kTriedGroupBucket,
                 options_.tried_buckets_per_group, addr.Group(), kTriedBucket,
                 options_.tried_bucket_count);
}

uint32_t AddrMan::NewId() {
  // At most (new + tried) capacity ids are in use, far fewer than 2^32, so this ends.
  while (next_id_ == kEmpty || entries_.count(next_id_)) ++next_id_;
  return next_id_++;
}

uint64_t AddrMan::RandBelow(uint64_t n) { return rng_() % n; }

size_t KeyedAddressHasher::operator()(const NetAddress& a) const {
  uint64_t hi, lo;
  std::memcpy(&hi, a.ip.data(), 8);
  std::memcpy(&lo, a.ip.data() + 8, 8);
  uint64_t x = Mix64(hi ^ k0_);
  x = Mix64(x ^ lo ^ k1_);
  return static_cast<size_t>(Mix64(x ^ a.port));
}

std::vector<uint32_t> AddrMan::IdsByAddress() const {
  std::vector<uint32_t> out;
  out.reserve(by_address_.size());
  for (const auto& [addr, id] : by_address_) out.push_back(id);
  return out;
}

uint32_t AddrMan::Insert(const AddrInfo& info) {
  const uint32_t id = NewId();
  AddrInfo* stored = &entries_.emplace(id, info).first->second;
  ids_.emplace(info.addr, IdRef{id, stored});
  auto at = std::lower_bound(by_address_.begin(), by_address_.end(), info.addr,
                             [](const auto& item, const NetAddress& a) { return item.first < a; });
  by_address_.emplace(at, info.addr, id);
  return id;
}

void AddrMan::Forget(uint32_t id) {
  auto it = entries_.find(id);
  const NetAddress addr = it->second.addr;
  ids_.erase(addr);
  auto at = std::lower_bound(by_address_.begin(), by_address_.end(), addr,
                             [](const auto& item, const NetAddress& a) { return item.first < a; });
  by_address_.erase(at);
  entries_.erase(it);
}

AddrInfo* AddrMan::Lookup(const NetAddress& addr) {
  auto it = ids_.find(addr);
  return it == ids_.end() ? nullptr : it->second.info;
}

void AddrMan::Delete(uint32_t id) {
  const AddrInfo& e = entries_.at(id);
  (e.in_tried ? tried_ : new_).Erase(e.bucket, e.slot);
  Forget(id);
}

bool AddrMan::PlaceNew(uint32_t id) {
  AddrInfo& e = entries_.at(id);
  Position p = NewPosition(e.addr, e.source);
  if (new_.At(p.bucket, p.slot) != kEmpty) return false;
  e.in_tried = false;
  e.bucket = p.bucket;
  e.slot = p.slot;
  new_.Put(p.bucket, p.slot, id);
  return true;
}

void AddrMan::MakeTried(uint32_t id) {
  AddrInfo& e = entries_.at(id);
  new_.Erase(e.bucket, e.slot);
  Position p = TriedPosition(e.addr);
  uint32_t old = tried_.At(p.bucket, p.slot);
  if (old != kEmpty) {
    // The occupant goes back to new, in place of whatever sits in its new slot.
    tried_.Erase(p.bucket, p.slot);
    AddrInfo& o = entries_.at(old);
    Position q = NewPosition(o.addr, o.source);
    if (uint32_t victim = new_.At(q.bucket, q.slot); victim != kEmpty) Delete(victim);
    o.in_tried = false;
    o.bucket = q.bucket;
    o.slot = q.slot;
    new_.Put(q.bucket, q.slot, old);
  }
  e.in_tried = true;
  e.bucket = p.bucket;
  e.slot = p.slot;
  tried_.Put(p.bucket, p.slot, id);
}

bool AddrMan::Add(const NetAddress& addr, const NetAddress& source, int64_t time_seen,
                  int64_t now) {
  if (!addr.IsValid()) return false;
  now = ClampNow(now);
  time_seen = std::clamp<int64_t>(time_seen, 0, now);
  std::lock_guard<std::mutex> lock(mu_);
  if (AddrInfo* known = Lookup(addr)) {
    known->last_seen = std::max(known->last_seen, time_seen);
    return false;
  }
  AddrInfo info;
  info.addr = addr;
  info.source = source;
  info.last_seen = time_seen;
  if (IsTerrible(info, now)) return false;
  Position p = NewPosition(addr, source);
  if (uint32_t old = new_.At(p.bucket, p.slot); old != kEmpty) {
    if (!IsTerrible(entries_.at(old), now)) return false;
    Delete(old);
  }
  info.bucket = p.bucket;
  info.slot = p.slot;
  new_.Put(p.bucket, p.slot, Insert(info));
  return true;
}

void AddrMan::Attempt(const NetAddress& addr, int64_t now) {
  now = ClampNow(now);
  std::lock_guard<std::mutex> lock(mu_);
  AddrInfo* e = Lookup(addr);
  if (!e) return;
  e->last_try = now;
  if (e->attempts < UINT32_MAX) ++e->attempts;
}

void AddrMan::Good(const NetAddress& addr, int64_t now) {
  now = ClampNow(now);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(addr);
  if (it == ids_.end()) return;
  const uint32_t id = it->second.id;
  AddrInfo& e = *it->second.info;
  e.last_success = now;
  e.last_try = now;
  e.attempts = 0;
  if (!e.in_tried) MakeTried(id);
}

void AddrMan::Connected(const NetAddress& addr, int64_t now) {
  now = ClampNow(now);
  std::lock_guard<std::mutex> lock(mu_);
  AddrInfo* e = Lookup(addr);
  if (!e) return;
  if (now - e->last_seen > kConnectedUpdateInterval) e->last_seen = now;
}

std::optional<NetAddress> AddrMan::Select(bool new_only,
                                          const std::function<bool(const NetAddress&)>& exclude,
                                          int64_t now) {
  now = ClampNow(now);
  std::lock_guard<std::mutex> lock(mu_);
  bool use_new = new_.count > 0;
  bool use_tried = !new_only && tried_.count > 0;
  if (!use_new && !use_tried) return std::nullopt;
  uint64_t factor_milli = 1000;
  for (int i = 0; i < kMaxSelectTries; ++i) {
    Table& t = !use_new ? tried_ : !use_tried ? new_ : (rng_() & 1) ? tried_ : new_;
    // A uniformly random non-empty bucket (what Bitcoin's retry on an empty bucket amounts
    // to, without unbounded retries), then a uniformly random entry of it.
    uint64_t k = RandBelow(t.nonempty_buckets);
    uint32_t bucket = 0;
    while (t.fill[bucket] == 0 || k-- > 0) ++bucket;
    k = RandBelow(t.fill[bucket]);
    uint32_t slot = 0;
    while (t.At(bucket, slot) == kEmpty || k-- > 0) ++slot;
    const AddrInfo& e = entries_.at(t.At(bucket, slot));
    if (exclude && exclude(e.addr)) continue;
    uint64_t threshold = std::min(kMillion, ChancePpm(e, now) * factor_milli / 1000);
    if (RandBelow(kMillion) < threshold) return e.addr;
    factor_milli = std::min(kMaxFactorMilli, factor_milli * 6 / 5);
  }
  // Nearly everything is excluded (or we were unlucky): choose among what is left, weighted
  // by chance, so that nullopt means there is nothing left to choose.
  std::vector<std::pair<const AddrInfo*, uint64_t>> candidates;
  uint64_t total = 0;
  for (uint32_t id : IdsByAddress()) {
    const AddrInfo& e = entries_.at(id);
    if ((e.in_tried && !use_tried) || (exclude && exclude(e.addr))) continue;
    total += ChancePpm(e, now);
    candidates.emplace_back(&e, total);
  }
  if (candidates.empty()) return std::nullopt;
  uint64_t pick = RandBelow(total);
  auto it = std::upper_bound(candidates.begin(), candidates.end(), pick,
                             [](uint64_t v, const auto& c) { return v < c.second; });
  return it->first->addr;
}

std::vector<TimedAddress> AddrMan::GetAddresses(size_t max_count, size_t max_percent, int64_t now) {
  now = ClampNow(now);
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint32_t> ids = IdsByAddress();
  size_t want = ids.size();
  if (max_percent > 0) want = want * std::min<size_t>(max_percent, 100) / 100;
  if (max_count > 0) want = std::min(want, max_count);
  std::vector<TimedAddress> out;
  out.reserve(want);
  // A partial Fisher-Yates shuffle, skipping terrible entries.
  for (size_t i = 0; i < ids.size() && out.size() < want; ++i) {
    std::swap(ids[i], ids[i + RandBelow(ids.size() - i)]);
    const AddrInfo& e = entries_.at(ids[i]);
    if (IsTerrible(e, now)) continue;
    out.push_back({e.addr, e.last_seen});
  }
  return out;
}

size_t AddrMan::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

size_t AddrMan::NewCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return new_.count;
}

size_t AddrMan::TriedCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tried_.count;
}

std::optional<AddrInfo> AddrMan::Find(const NetAddress& addr) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(addr);
  if (it == ids_.end()) return std::nullopt;
  return *it->second.info;
}

std::vector<AddrInfo> AddrMan::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AddrInfo> out;
  out.reserve(ids_.size());
  for (uint32_t id : IdsByAddress()) out.push_back(entries_.at(id));
  return out;
}

AddrManOptions AddrMan::options() const { return options_; }

chain::Bytes AddrMan::Serialize() const {
  chain::Writer w;
  w.Raw(chain::ByteSpan(reinterpret_cast<const uint8_t*>(kMagic), sizeof(kMagic)));
  w.U8(kVersion);
  w.Hash(key_);
  w.U32(options_.new_bucket_count);
  w.U32(options_.tried_bucket_count);
  w.U32(options_.bucket_size);
  w.U32(options_.new_buckets_per_source_group);
  w.U32(options_.tried_buckets_per_group);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::vector<uint32_t> ids = IdsByAddress();
    for (bool tried : {false, true}) {
      w.CompactSize(tried ? tried_.count : new_.count);
      for (uint32_t id : ids) {
        const AddrInfo& e = entries_.at(id);
        if (e.in_tried == tried) WriteEntry(w, e);
      }
    }
  }
  chain::Hash256 sum = chain::Sha256Hash(w.bytes());
  w.Hash(sum);
  return w.Take();
}

chain::Result<std::unique_ptr<AddrMan>> AddrMan::Deserialize(chain::ByteSpan data,
                                                             AddrManOptions options) {
  auto corrupt = [](const std::string& why) {
    return chain::Status::Corruption("peers.dat: " + why);
  };
  auto body = chain::OpenChecksummedFile("peers.dat", data, {kMagic, sizeof(kMagic)}, kVersion);
  if (!body.ok()) return body.status();

  chain::Reader r(*body);
  chain::Hash256 key;
  uint32_t new_buckets, tried_buckets, bucket_size, per_source, per_group;
  std::vector<AddrInfo> new_entries, tried_entries;
  if (r.Hash(&key) &&
      ReadGeometry(r, &new_buckets, AddrManOptions::kMaxBucketCount, "new bucket count") &&
      ReadGeometry(r, &tried_buckets, AddrManOptions::kMaxBucketCount, "tried bucket count") &&
      ReadGeometry(r, &bucket_size, AddrManOptions::kMaxBucketSize, "bucket size") &&
      ReadGeometry(r, &per_source, new_buckets, "new buckets per source group") &&
      ReadGeometry(r, &per_group, tried_buckets, "tried buckets per group") &&
      ReadEntries(r, uint64_t{new_buckets} * bucket_size, &new_entries)) {
    ReadEntries(r, uint64_t{tried_buckets} * bucket_size, &tried_entries);
  }
  if (chain::Status s = r.Finish("peers.dat"); !s.ok()) {
    return chain::Status::Corruption(s.reason());
  }
  // Both lists are sorted: a merge finds an address listed in both.
  for (size_t i = 0, j = 0; i < new_entries.size() && j < tried_entries.size();) {
    if (new_entries[i].addr == tried_entries[j].addr) {
      return corrupt("address " + new_entries[i].addr.ToString() + " in both tables");
    }
    (new_entries[i].addr < tried_entries[j].addr) ? ++i : ++j;
  }

  options.key = key;
  auto book = std::make_unique<AddrMan>(options);
  AddrMan& am = *book;
  {
    std::lock_guard<std::mutex> lock(am.mu_);  // not shared yet; taken for the invariant
    auto insert = [&am](const AddrInfo& e) { return am.Insert(e); };
    auto forget = [&am](uint32_t id) { am.Forget(id); };
    for (const AddrInfo& e : tried_entries) {
      uint32_t id = insert(e);
      Position p = am.TriedPosition(e.addr);
      if (am.tried_.At(p.bucket, p.slot) == kEmpty) {
        AddrInfo& stored = am.entries_.at(id);
        stored.in_tried = true;
        stored.bucket = p.bucket;
        stored.slot = p.slot;
        am.tried_.Put(p.bucket, p.slot, id);
      } else if (!am.PlaceNew(id)) {
        forget(id);
      }
    }
    for (const AddrInfo& e : new_entries) {
      uint32_t id = insert(e);
      if (!am.PlaceNew(id)) forget(id);
    }
  }
  return book;
}

chain::Status AddrMan::SaveFile(const std::string& path) const {
  return chain::WriteFileAtomic(path, Serialize());
}

chain::Result<std::unique_ptr<AddrMan>> AddrMan::LoadFile(const std::string& path,
                                                          AddrManOptions options) {
  auto data = chain::ReadFileBounded(path, kMaxFileSize);
  if (!data.ok()) return data.status();
  return Deserialize(*data, options);
}

}  // namespace waybill::p2p
