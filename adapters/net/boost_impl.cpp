// Boost.Asio (with SSL) and Boost.Beast compiled once here: separate compilation keeps every other
// translation unit that includes them fast (BOOST_*_SEPARATE_COMPILATION on scenario_adapters).
#include <utility>  // Boost 1.74 + GCC 12: asio's awaitable.hpp needs std::exchange

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
