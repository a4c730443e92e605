#pragma once

// libcurl, loaded when the first S3 client is made rather than when a
// program starts (docs/ARCHITECTURE.md, "S3"). Linked, libcurl and the
// twenty-odd libraries it pulls in (TLS, Kerberos, LDAP, IDN, HTTP/2) are
// mapped and relocated by every program at start-up, which is most of
// cback-restore's start on a cold cache although only an s3:// source or
// the amazons3 extension ever sends a request.

#include <curl/curl.h>

namespace cback::s3 {

/// The libcurl functions the S3 client calls, resolved from the loaded
/// library. Their types are the header's own, so a call through them is
/// checked as a call to the linked function would be.
struct Libcurl {
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_reset) easy_reset;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

/// Loads libcurl (its soname, libcurl.so.4, through the dynamic loader's
/// search path) and runs curl_global_init, once for the process; later
/// calls return the same table. Throws Error(action) naming the library
/// and the loader's message when it cannot be loaded or lacks a function
/// (a first call that failed is tried again by the next one).
const Libcurl& libcurl();

} // namespace cback::s3
