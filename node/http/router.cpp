#include "node/http/router.h"

#include <utility>

namespace waybill::node {

HttpRouter::HttpRouter(AuthConfig auth, std::string realm)
    : auth_(Credentials(std::move(auth))), realm_(std::move(realm)) {}

HttpRouter::HttpRouter(Credentials credentials, std::string realm)
    : auth_(std::move(credentials)), realm_(std::move(realm)) {}

bool HttpRouter::Route::MatchesTarget(std::string_view target) const {
  if (!path.empty() && path.back() == '*') {
    return target.substr(0, path.size() - 1) == std::string_view(path).substr(0, path.size() - 1);
  }
  return target == path;
}

HttpRunOn HttpRouter::Route::RunOn(std::string_view method, std::string_view target) const {
  return placement ? placement(method, target) : HttpRunOn::kWorker;
}

void HttpRouter::Mount(std::string method, std::string path, size_t max_body_bytes,
                       HttpHandler handler, HttpPlacement placement) {
  routes_.push_back(Route{std::move(method), std::move(path), max_body_bytes, std::move(handler),
                          false, std::move(placement)});
}

void HttpRouter::MountPublic(std::string method, std::string path, size_t max_body_bytes,
                             HttpHandler handler, HttpPlacement placement) {
  routes_.push_back(Route{std::move(method), std::move(path), max_body_bytes, std::move(handler),
                          true, std::move(placement)});
}

const HttpRouter::Route* HttpRouter::FindPublic(std::string_view method,
                                                std::string_view target) const {
  for (const Route& route : routes_) {
    if (route.is_public && route.method == method && route.MatchesTarget(target)) return &route;
  }
  return nullptr;
}

bool HttpRouter::Authorized(std::string_view authorization) const {
  return !auth_ || auth_->Authenticate(authorization).has_value();
}

HttpAdmission HttpRouter::Admit(std::string_view method, std::string_view target,
                                std::string_view authorization) const {
  HttpAdmission admission;
  if (const Route* route = FindPublic(method, target)) {
    admission.access = HttpAdmission::Access::kPublic;
    admission.max_body_bytes = route->max_body_bytes;
    admission.run_on = route->RunOn(method, target);
    return admission;
  }
  if (!Authorized(authorization)) return admission;
  admission.access = HttpAdmission::Access::kAuthorized;
  admission.run_on = HttpRunOn::kIoThread;  // unless a route matches: a 404 or 405
  for (const Route& route : routes_) {
    if (!route.is_public && route.MatchesTarget(target) &&
        (route.method.empty() || route.method == method)) {
      admission.max_body_bytes = route.max_body_bytes;
      admission.run_on = route.RunOn(method, target);
      break;
    }
  }
  return admission;
}

HttpResponse HttpRouter::Handle(const HttpRequest& request) const {
  const Route* route = FindPublic(request.method, request.target);
  if (route == nullptr) {
    if (!Authorized(request.authorization)) return Unauthorized();
    std::string allow;  // the methods of the routes for this target
    bool target_known = false;
    for (const Route& r : routes_) {
      if (r.is_public || !r.MatchesTarget(request.target)) continue;
      target_known = true;
      if (r.method.empty() || r.method == request.method) {
        route = &r;
        break;
      }
      if (!allow.empty()) allow += ", ";
      allow += r.method;
    }
    if (!target_known) return PlainResponse(404, "Not found");
    if (route == nullptr) {
      HttpResponse r = PlainResponse(405, "Method not allowed");
      r.headers.emplace_back("Allow", allow);
      return r;
    }
  }
  if (request.body.size() > route->max_body_bytes) {
    return PlainResponse(
        413, "Request body larger than " + std::to_string(route->max_body_bytes) + " bytes");
  }
  return route->handler(request);
}

HttpResponse HttpRouter::Unauthorized() const {
  HttpResponse r = PlainResponse(401, "Unauthorized");
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"" + realm_ + "\"");
  return r;
}

void MountHealthCheck(HttpRouter& router) {
  router.MountPublic(
      "GET", "/health", kHealthMaxBodyBytes,
      [](const HttpRequest&) {
        HttpResponse r = PlainResponse(200, "ok");
        r.route = "/health";
        return r;
      },
      [](std::string_view, std::string_view) { return HttpRunOn::kIoThread; });
}

}  // namespace waybill::node
