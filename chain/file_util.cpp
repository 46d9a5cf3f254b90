#include "chain/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "chain/hash.h"

namespace waybill::chain {

namespace {

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Writes data to a temp file next to path and puts it in place: rename() over any old file,
// or with replace == false link(), which fails if path exists (so two writers cannot both
// think they created it).
chain::Status WriteAndPublish(const std::string& path, const chain::Bytes& data, bool replace) {
  std::string tmp = path + ".XXXXXX";
  int fd = ::mkstemp(tmp.data());  // mode 0600
  if (fd < 0) return chain::Status::IoError(Errno("cannot create temp file for", path));
  auto fail = [&](const std::string& what) {
    chain::Status s = chain::Status::IoError(Errno(what, tmp));
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  };
  if (::fchmod(fd, 0600) != 0) return fail("cannot chmod");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot fsync");
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail("cannot close");
  if (replace) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename to " + path + ":");
  } else {
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      if (errno == EEXIST) {
        ::unlink(tmp.c_str());
        return chain::Status::Invalid(path + " already exists; not overwriting it");
      }
      return fail("cannot link to " + path + ":");
    }
    ::unlink(tmp.c_str());
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return chain::Status::IoError(Errno("cannot open folder", dir));
  bool ok = ::fsync(dfd) == 0;
  chain::Status s = ok ? chain::Status::Ok() : chain::Status::IoError(Errno("cannot fsync", dir));
  ::close(dfd);
  return s;
}

}  // namespace

chain::Status WriteFileAtomic(const std::string& path, const chain::Bytes& data) {
  return WriteAndPublish(path, data, /*replace=*/true);
}

chain::Status WriteNewFileAtomic(const std::string& path, const chain::Bytes& data) {
  return WriteAndPublish(path, data, /*replace=*/false);
}

namespace {

// fsyncs the folder that holds path, so a rename, link or unlink in it is durable.
Status SyncParentDir(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Status::IoError(Errno("cannot open folder", dir));
  bool ok = ::fsync(dfd) == 0;
  Status s = ok ? Status::Ok() : Status::IoError(Errno("cannot fsync", dir));
  ::close(dfd);
  return s;
}

}  // namespace

Status MakePrivateDir(const std::string& path) {
  if (path.empty()) return Status::Invalid("empty folder path");
  std::filesystem::path full(path);
  std::filesystem::path sofar;
  for (const auto& part : full) {
    sofar /= part;
    struct stat st;
    if (::stat(sofar.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return Status::Invalid(sofar.string() + " is not a folder");
      continue;
    }
    if (errno != ENOENT) return Status::IoError(Errno("cannot stat", sofar.string()));
    if (::mkdir(sofar.c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;  // made by someone else meanwhile
      return Status::IoError(Errno("cannot create folder", sofar.string()));
    }
    // mkdir's mode is masked by the umask (which may only remove bits): make it exactly 0700.
    if (::chmod(sofar.c_str(), 0700) != 0) {
      return Status::IoError(Errno("cannot chmod", sofar.string()));
    }
  }
  return Status::Ok();
}

Status RemoveFileDurably(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IoError(Errno("cannot delete", path));
  }
  return SyncParentDir(path);
}

chain::Result<chain::Bytes> ReadFileBounded(const std::string& path, size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return chain::Status::NotFound(path + " does not exist");
    return chain::Status::IoError(Errno("cannot open", path));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    chain::Status s = chain::Status::IoError(Errno("cannot stat", path));
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > max_size) {
    ::close(fd);
    return chain::Status::Corruption(path + " is not a regular file of at most " +
                                     std::to_string(max_size) + " bytes");
  }
  chain::Bytes data(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      chain::Status s = chain::Status::IoError(Errno("cannot read", path));
      ::close(fd);
      return s;
    }
    if (n == 0) break;  // shrank while we read: decoding will reject it
    done += static_cast<size_t>(n);
  }
  data.resize(done);
  ::close(fd);
  return data;
}

Result<ByteSpan> OpenChecksummedFile(std::string_view file, ByteSpan data, std::string_view magic,
                                     uint8_t version) {
  auto corrupt = [&](const std::string& why) {
    return Status::Corruption(std::string(file) + ": " + why);
  };
  if (data.size() < magic.size() + 1 + Hash256::kSize) return corrupt("too short");
  if (std::memcmp(data.data(), magic.data(), magic.size()) != 0) return corrupt("bad magic");
  if (data[magic.size()] != version) {
    return corrupt("unsupported version " + std::to_string(data[magic.size()]));
  }
  const ByteSpan sealed = data.first(data.size() - Hash256::kSize);
  if (Sha256Hash(sealed) != Hash256::FromSpan(data.last(Hash256::kSize))) {
    return corrupt("checksum mismatch");
  }
  return sealed.subspan(magic.size() + 1);
}

}  // namespace waybill::chain
