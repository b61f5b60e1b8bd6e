# dlc_add_model(<target> MODEL <model.onnx|model.mlir>
#               [TARGET c|pim|acc] [NAME <identifier>] [QUANTIZE]
#               [CALIB <samples.npy> | <input>=<samples.npy>...] [CONFIG <q.json>]
#               [OPTIONS <dlc option>...])
#
# Compiles a model with dlc (dlc::dlc, from dlcConfig.cmake) at build time.
# Relative paths are taken from the current source directory; OPTIONS go to dlc
# as written (e.g. --wbits=4, --acc-device=${dlc_DEVICE_DIR}/acc/dpu.json).
#
# TARGET c (the default): <target> is a static library of the generated
# <NAME>.c, whose folder (holding <NAME>.h) is a usage requirement, so
#   target_link_libraries(app PRIVATE <target>)
# lets app's sources #include "<NAME>.h" and call <NAME>_run. NAME, the C
# prefix of the generated code, defaults to <target> made a C identifier.
# TARGET pim|acc: <target> is a custom target, built by default, making
# <NAME>.pimbin or <NAME>.accbin for dlc-run's simulators.
# Either way the target's DLC_OUTPUT property is the generated file's path.
#
# dlc names every file it read (the model, external weights, the samples, the
# config, a device file) in a depfile, so a change to any of them reruns it,
# and only it and what depends on its output. A dlc error fails the build.
if(CMAKE_VERSION VERSION_LESS 3.20)
  message(FATAL_ERROR "dlc_add_model needs CMake 3.20 or later (depfiles of custom commands); this is ${CMAKE_VERSION}")
endif()
include_guard(GLOBAL)

cmake_policy(PUSH)
# CMP0116 NEW: the depfile is read relative to this directory; functions keep the
# policies in force where they are defined.
cmake_policy(VERSION 3.20...3.28)

function(dlc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "QUANTIZE" "MODEL;TARGET;NAME;CONFIG" "CALIB;OPTIONS")
  set(where "dlc_add_model(${target})")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${where}: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_MODEL)
    message(FATAL_ERROR "${where}: MODEL <file> is required")
  endif()
  if(arg_QUANTIZE AND NOT arg_CALIB)
    message(FATAL_ERROR "${where}: QUANTIZE needs CALIB <samples.npy>")
  endif()
  if(NOT arg_TARGET)
    set(arg_TARGET c)
  endif()
  set(name "${arg_NAME}")
  if(NOT name)
    string(MAKE_C_IDENTIFIER "${target}" name)
  endif()
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/dlc/${target}")
  if(arg_TARGET STREQUAL "c")
    get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
    if(NOT "C" IN_LIST languages)
      message(FATAL_ERROR "${where}: TARGET c builds C: enable the C language (project(... C))")
    endif()
    set(out "${dir}/${name}.c")
    set(outputs "${out}" "${dir}/${name}.h")
    set(args --target=c "--name=${name}")
  elseif(arg_TARGET STREQUAL "pim" OR arg_TARGET STREQUAL "acc")
    set(out "${dir}/${name}.${arg_TARGET}bin")
    set(outputs "${out}")
    set(args --target=${arg_TARGET})
  else()
    message(FATAL_ERROR "${where}: unknown TARGET '${arg_TARGET}' (expected c, pim or acc)")
  endif()

  get_filename_component(model "${arg_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(inputs "${model}")
  if(arg_QUANTIZE)
    list(APPEND args --quantize)
  endif()
  foreach(calib IN LISTS arg_CALIB) # FILE, or INPUT=FILE for a model with several inputs
    set(input "")
    set(file "${calib}")
    if(calib MATCHES "^([^=]+)=(.+)$")
      set(input "${CMAKE_MATCH_1}=")
      set(file "${CMAKE_MATCH_2}")
    endif()
    get_filename_component(file "${file}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND args "--calib=${input}${file}")
    list(APPEND inputs "${file}")
  endforeach()
  if(arg_CONFIG)
    get_filename_component(config "${arg_CONFIG}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND args "--config=${config}")
    list(APPEND inputs "${config}")
  endif()

  # DEPFILE needs Ninja or Makefiles in CMake 3.20, any generator from 3.21
  set(depfile "")
  if(CMAKE_GENERATOR MATCHES "Ninja|Makefiles" OR CMAKE_VERSION VERSION_GREATER_EQUAL 3.21)
    set(depfile DEPFILE "${dir}/${name}.d")
  endif()
  file(MAKE_DIRECTORY "${dir}")
  get_filename_component(model_name "${model}" NAME)
  get_filename_component(out_name "${out}" NAME)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND dlc::dlc "${model}" ${args} ${arg_OPTIONS} -o "${out}" -MD -MF "${dir}/${name}.d"
    DEPENDS ${inputs} "$<TARGET_FILE:dlc::dlc>"
    ${depfile}
    COMMENT "dlc ${model_name} -> ${out_name}"
    VERBATIM)

  if(arg_TARGET STREQUAL "c")
    add_library(${target} STATIC ${outputs})
    target_include_directories(${target} PUBLIC "${dir}")
    if(UNIX)
      target_link_libraries(${target} PRIVATE m)
    endif()
  else()
    add_custom_target(${target} ALL DEPENDS ${outputs})
  endif()
  set_property(TARGET ${target} PROPERTY DLC_OUTPUT "${out}")
endfunction()

cmake_policy(POP)
