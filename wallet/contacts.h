// Contacts: partners by name (DATADIR/contacts.json, mode 0600, written atomically). A name
// follows the wallet name rules and is refused when it could be mistaken for an address; the
// address is kept as given (the caller checks it against its network). Format: docs/API.md,
// "Contacts file".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"

namespace waybill::wallet {

inline constexpr size_t kMaxContacts = 10000;
inline constexpr size_t kMaxContactNote = 200;    // bytes of UTF-8
inline constexpr size_t kMaxContactAddress = 90;  // a Bech32 string's limit
inline constexpr size_t kMaxContactsFileSize = 8 << 20;

struct Contact {
  std::string name;
  std::string address;
  std::string note;
  bool operator==(const Contact&) const = default;
};

// OK, or Invalid "'NAME' could be mistaken for an address ..." when name decodes as a
// Bech32/Bech32m string (any prefix), is 64 hex digits, or starts with one of known_prefixes
// followed by '1'. Does not check the name rules (CheckWalletName).
chain::Status CheckNotAddressLike(std::string_view name,
                                  const std::vector<std::string>& known_prefixes);
// OK, or Invalid: a note is at most kMaxContactNote bytes of valid UTF-8 without control
// characters (C0, DEL, C1).
chain::Status CheckContactNote(std::string_view note);

class Contacts {
 public:
  // Reads the contacts file; an absent file is an empty book. Invalid "PATH: ..." when the file
  // is no contacts file or breaks a rule (names, notes, duplicates, more than kMaxContacts);
  // IoError when it cannot be read.
  static chain::Result<Contacts> Load(const std::string& path);

  // Adds c, keeping the book sorted by name. Invalid with the reason: the name rules, a name
  // that could be mistaken for an address (known_prefixes: the address prefixes of the known
  // networks), an empty or over-long address, a bad note, a name or an address already in the
  // book, or a full book (kMaxContacts).
  chain::Status Add(Contact c, const std::vector<std::string>& known_prefixes);
  // NotFound "no contact named NAME" when there is none.
  chain::Status Remove(std::string_view name);
  const Contact* Find(std::string_view name) const;
  const Contact* FindByAddress(std::string_view address) const;
  // Sorted by name.
  const std::vector<Contact>& all() const { return contacts_; }
  // Writes the book to path atomically, mode 0600 (creating the folder, mode 0700, if needed).
  chain::Status Save(const std::string& path) const;

 private:
  std::vector<Contact> contacts_;
};

}  // namespace waybill::wallet
