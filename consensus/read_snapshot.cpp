#include "consensus/read_snapshot.h"

#include <algorithm>
#include <string>

#include "chain/metadata_index.h"
#include "consensus/state_reads.h"

namespace waybill::consensus {

using chain::Bytes;
using chain::Hash256;
using chain::Result;
using chain::Status;

ReadSnapshot::ReadSnapshot(std::unique_ptr<chain::StoreSnapshot> snapshot, TipInfo tip,
                           std::shared_ptr<const HeaderChain> headers, const ChainParams& params)
    : snapshot_(std::move(snapshot)),
      tip_(std::move(tip)),
      headers_(std::move(headers)),
      params_(params) {}

ReadSnapshot::~ReadSnapshot() = default;

std::optional<Hash256> ReadSnapshot::BlockHashAt(uint32_t height) const {
  if (height > tip_.height) return std::nullopt;
  return headers_->IdAt(height, tip_.id);
}

Result<std::optional<ReadSnapshot::HeaderInfo>> ReadSnapshot::GetHeader(const Hash256& id) const {
  auto index = reads::GetBlockIndexRecord(*snapshot_, id);
  if (!index.ok()) return index.status();
  if (!*index) return std::optional<HeaderInfo>();
  HeaderInfo info;
  info.id = id;
  info.header = (*index)->header;
  info.height = (*index)->height;
  info.chain_work = (*index)->chain_work;
  info.in_active_chain = BlockHashAt(info.height) == id;
  return std::optional<HeaderInfo>(std::move(info));
}

Result<std::vector<chain::BlockHeader>> ReadSnapshot::ActiveHeaders(uint32_t from_height,
                                                                   uint32_t to_height) const {
  if (from_height > to_height || to_height > tip_.height) {
    return Status::Invalid("heights " + std::to_string(from_height) + ".." +
                           std::to_string(to_height) + " are not within 0.." +
                           std::to_string(tip_.height));
  }
  std::vector<chain::BlockHeader> headers;
  headers_->CopyTo(from_height, to_height, &headers);
  return headers;
}

Result<Bytes> ReadSnapshot::ReadBlock(const Hash256& id) const {
  Bytes raw;
  if (Status s = snapshot_->Get(chain::keys::Block(id), &raw); !s.ok()) return s;
  return raw;
}

Result<chain::Account> ReadSnapshot::GetAccount(const chain::AccountId& id) const {
  return reads::GetAccount(*snapshot_, id);
}

Result<std::optional<chain::Asset>> ReadSnapshot::GetAsset(const Hash256& id) const {
  return reads::GetAsset(*snapshot_, id);
}

Result<std::vector<chain::AssetEvent>> ReadSnapshot::GetAssetEvents(const Hash256& asset,
                                                                    uint32_t from,
                                                                    uint32_t limit) const {
  return reads::GetAssetEvents(*snapshot_, asset, from, limit);
}

Result<std::optional<chain::TxLocation>> ReadSnapshot::GetTxLocation(const Hash256& txid) const {
  return reads::GetTxLocation(*snapshot_, txid);
}

Result<Chainstate::PartyInfo> ReadSnapshot::GetParty(const chain::AccountId& account,
                                                     size_t max_endorsements) const {
  return reads::GetParty(*snapshot_, account, max_endorsements);
}

Result<chain::CustodyPage> ReadSnapshot::ListCustody(const chain::AccountId& custodian,
                                                     const std::optional<Hash256>& after,
                                                     size_t limit) const {
  return chain::ListCustody(*snapshot_, custodian, after,
                            std::clamp<size_t>(limit, 1, Chainstate::kMaxCustodyPage));
}

Result<ReadSnapshot::MetaPage> ReadSnapshot::FindByMetadata(std::string_view key,
                                                            std::string_view value,
                                                            const std::optional<Hash256>& after,
                                                            size_t limit) const {
  auto page = chain::FindByMetadata(*snapshot_, key, value, after,
                                    std::clamp<size_t>(limit, 1, kMaxMetaPage));
  if (!page.ok()) return page.status();
  return MetaPage{std::move(page->assets), page->more};
}

}  // namespace waybill::consensus
