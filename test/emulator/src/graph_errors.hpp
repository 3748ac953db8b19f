// Error bodies in the shapes the Microsoft services use. Graph wraps every
// error in {"error":{code,message,innerError}}; the identity platform uses a
// flat OAuth 2.0 shape with AADSTS codes.
#pragma once

#include <string>

#include "clock.hpp"
#include "http_message.hpp"

namespace syncbridge::emulator {

inline HttpResponse GraphError(int status, const std::string& code, const std::string& message) {
  std::string request_id = NewGuid();
  nlohmann::json body = {
      {"error",
       {{"code", code},
        {"message", message},
        {"innerError",
         {{"date", FormatIsoSeconds(Clock::now())}, {"request-id", request_id}, {"client-request-id", request_id}}}}}};
  HttpResponse response = JsonResponse(status, body);
  response.AddHeader("request-id", request_id);
  return response;
}

inline HttpResponse IdentityError(int status, const std::string& error, int aadsts_code,
                                  const std::string& description) {
  std::string trace_id = NewGuid();
  std::string correlation_id = NewGuid();
  nlohmann::json body = {
      {"error", error},
      {"error_description", "AADSTS" + std::to_string(aadsts_code) + ": " + description +
                                " Trace ID: " + trace_id + " Correlation ID: " + correlation_id +
                                " Timestamp: " + FormatIsoSeconds(Clock::now())},
      {"error_codes", {aadsts_code}},
      {"timestamp", FormatIsoSeconds(Clock::now())},
      {"trace_id", trace_id},
      {"correlation_id", correlation_id}};
  return JsonResponse(status, body);
}

}  // namespace syncbridge::emulator
