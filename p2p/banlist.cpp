#include "p2p/banlist.h"

#include <algorithm>
#include <cstring>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "chain/file_util.h"

namespace waybill::p2p {
namespace {

constexpr char kMagic[4] = {'W', 'B', 'B', 'N'};
constexpr uint8_t kVersion = 1;
constexpr size_t kMinEntrySize = 16 + 8 + 1;

NetAddress IpOnly(const NetAddress& a) {
  NetAddress ip = a;
  ip.port = 0;
  return ip;
}

}  // namespace

BanList::BanList(size_t max_entries)
    : max_entries_(std::clamp<size_t>(max_entries, 1, kMaxEntriesLimit)) {}

void BanList::BanLocked(const NetAddress& ip, int64_t until, std::string reason) {
  until = std::max<int64_t>(until, 0);
  if (reason.size() > kMaxReasonSize) reason.resize(kMaxReasonSize);
  NetAddress key = IpOnly(ip);
  auto it = bans_.find(key);
  if (it != bans_.end()) {
    if (it->second.until >= until) return;
    by_expiry_.erase({it->second.until, key});
    it->second = Record{until, std::move(reason)};
  } else {
    bans_.emplace(key, Record{until, std::move(reason)});
  }
  by_expiry_.emplace(until, key);
  if (bans_.size() > max_entries_) {
    auto soonest = by_expiry_.begin();
    bans_.erase(soonest->second);
    by_expiry_.erase(soonest);
  }
}

void BanList::Ban(const NetAddress& ip, int64_t until, std::string reason) {
  std::lock_guard<std::mutex> lock(mu_);
  BanLocked(ip, until, std::move(reason));
}

bool BanList::Unban(const NetAddress& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = bans_.find(IpOnly(ip));
  if (it == bans_.end()) return false;
  by_expiry_.erase({it->second.until, it->first});
  bans_.erase(it);
  return true;
}

bool BanList::IsBanned(const NetAddress& ip, int64_t now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = bans_.find(IpOnly(ip));
  return it != bans_.end() && std::max<int64_t>(now, 0) < it->second.until;
}

void BanList::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  bans_.clear();
  by_expiry_.clear();
}

std::vector<BanEntry> BanList::List(int64_t now) {
  now = std::max<int64_t>(now, 0);
  std::lock_guard<std::mutex> lock(mu_);
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    bans_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  std::vector<BanEntry> out;
  out.reserve(bans_.size());
  for (const auto& [ip, rec] : bans_) out.push_back({ip, rec.until, rec.reason});
  return out;
}

size_t BanList::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bans_.size();
}

chain::Bytes BanList::Serialize() const {
  chain::Writer w;
  w.Raw(chain::ByteSpan(reinterpret_cast<const uint8_t*>(kMagic), sizeof(kMagic)));
  w.U8(kVersion);
  {
    std::lock_guard<std::mutex> lock(mu_);
    w.CompactSize(bans_.size());
    for (const auto& [ip, rec] : bans_) {  // ordered by IP
      w.Raw(chain::ByteSpan(ip.ip.data(), ip.ip.size()));
      w.U64(static_cast<uint64_t>(rec.until));
      w.String(rec.reason);
    }
  }
  chain::Hash256 sum = chain::Sha256Hash(w.bytes());
  w.Hash(sum);
  return w.Take();
}

chain::Result<std::unique_ptr<BanList>> BanList::Deserialize(chain::ByteSpan data,
                                                             size_t max_entries) {
  auto body = chain::OpenChecksummedFile("banlist.dat", data, {kMagic, sizeof(kMagic)}, kVersion);
  if (!body.ok()) return body.status();

  auto list = std::make_unique<BanList>(max_entries);
  chain::Reader r(*body);
  uint64_t n = 0;
  if (r.CompactSize(&n, kMaxEntriesLimit) && n > r.remaining() / kMinEntrySize) {
    r.Fail("unexpected end of data");
  }
  {
    std::lock_guard<std::mutex> lock(list->mu_);  // not shared yet; taken for the invariant
    NetAddress prev;
    for (uint64_t i = 0; r.ok() && i < n; ++i) {
      NetAddress ip;
      uint64_t until;
      std::string reason;
      if (!r.Raw(ip.ip.size(), ip.ip.data()) || !r.U64(&until) ||
          !r.String(&reason, kMaxReasonSize)) {
        break;
      }
      if (until > static_cast<uint64_t>(INT64_MAX)) {
        r.Fail("time out of range");
      } else if (i > 0 && !(prev < ip)) {
        r.Fail("entries not in strictly ascending IP order");
      } else {
        list->BanLocked(ip, static_cast<int64_t>(until), std::move(reason));
        prev = ip;
      }
    }
  }
  if (chain::Status s = r.Finish("banlist.dat"); !s.ok()) {
    return chain::Status::Corruption(s.reason());
  }
  return list;
}

chain::Status BanList::SaveFile(const std::string& path) const {
  return chain::WriteFileAtomic(path, Serialize());
}

chain::Result<std::unique_ptr<BanList>> BanList::LoadFile(const std::string& path,
                                                          size_t max_entries) {
  auto data = chain::ReadFileBounded(path, kMaxFileSize);
  if (!data.ok()) return data.status();
  return Deserialize(*data, max_entries);
}

}  // namespace waybill::p2p
