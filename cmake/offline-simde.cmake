# Used by the QuickJS backend's CMake build (see .cargo/config.toml): use Debian's libsimde-dev
# instead of letting FetchContent clone simde from the network.
set(FETCHCONTENT_SOURCE_DIR_SIMDE "/usr/include" CACHE PATH "simde headers from libsimde-dev" FORCE)
