// The one translation unit that compiles Asio (see BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
