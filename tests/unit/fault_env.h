// A LevelDB Env whose file writes fail on demand, as a full disk makes them fail (the idea of
// LevelDB's db/fault_injection_test.cc): while failing, an Append writes half of its data and
// returns an I/O error, so the file ends in a torn record.
#pragma once

#include <leveldb/env.h>

#include <atomic>
#include <memory>
#include <string>

namespace waybill::testing {

class FaultEnv : public leveldb::EnvWrapper {
 public:
  FaultEnv() : EnvWrapper(leveldb::Env::Default()) {}

  void FailWrites(bool fail) { fail_.store(fail); }

  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override {
    leveldb::Status s = target()->NewWritableFile(name, out);
    if (s.ok()) *out = new File(*out, &fail_);
    return s;
  }
  leveldb::Status NewAppendableFile(const std::string& name,
                                    leveldb::WritableFile** out) override {
    leveldb::Status s = target()->NewAppendableFile(name, out);
    if (s.ok()) *out = new File(*out, &fail_);
    return s;
  }

 private:
  class File : public leveldb::WritableFile {
   public:
    File(leveldb::WritableFile* base, const std::atomic<bool>* fail) : base_(base), fail_(fail) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
      if (!fail_->load()) return base_->Append(data);
      (void)base_->Append(leveldb::Slice(data.data(), data.size() / 2));
      (void)base_->Flush();
      return leveldb::Status::IOError("injected fault", "No space left on device");
    }
    leveldb::Status Close() override { return base_->Close(); }
    // Only appends fail: LevelDB itself refuses further writes after a failed Sync, but not
    // after a failed append, which is the case the store must handle.
    leveldb::Status Flush() override { return base_->Flush(); }
    leveldb::Status Sync() override { return base_->Sync(); }

   private:
    std::unique_ptr<leveldb::WritableFile> base_;
    const std::atomic<bool>* fail_;
  };

  std::atomic<bool> fail_{false};
};

}  // namespace waybill::testing
