# `adamix-studio --help` and `--version` without any display: run with QT_QPA_PLATFORM, DISPLAY
# and WAYLAND_DISPLAY unset; both must exit 0 and print the help text / the version.
# Usage: cmake -DSTUDIO=<adamix-studio> -P check_help_without_display.cmake
foreach(arg --help --version)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env --unset=QT_QPA_PLATFORM --unset=DISPLAY --unset=WAYLAND_DISPLAY
            ${STUDIO} ${arg}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "adamix-studio ${arg} without a display exited with '${rc}':\n${out}${err}")
  endif()
  if(arg STREQUAL "--help")
    set(want "Usage: .*AdaMix Studio: design, train.*--workspace <DB>.*--screenshot <DIR>")
  else()
    set(want "AdaMix Studio [0-9]+\\.[0-9]+")
  endif()
  if(NOT out MATCHES "${want}")
    message(FATAL_ERROR "adamix-studio ${arg}: output does not match '${want}':\n${out}${err}")
  endif()
endforeach()
message(STATUS "adamix-studio --help and --version work without a display")
