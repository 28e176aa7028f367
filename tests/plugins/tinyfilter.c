/* A tiny filter plugin for the harness's own tests: forward adds meta + 1 to every byte, backward
 * subtracts it. With -DECHO_TYPESIZE forward writes the typesize it was given into every byte instead.
 * Built with the system C compiler against the headers shipped in the python-blosc2 wheel.
 */
#include <stdint.h>
#include "blosc2.h"

int udc_tinyfilter_forward(const uint8_t *src, uint8_t *dest, int32_t size, uint8_t meta,
                           blosc2_cparams *cparams, uint8_t id) {
  (void)id;
  for (int32_t i = 0; i < size; i++) {
#ifdef ECHO_TYPESIZE
    dest[i] = (uint8_t)cparams->typesize;
#else
    (void)cparams;
    dest[i] = (uint8_t)(src[i] + meta + 1);
#endif
  }
  return BLOSC2_ERROR_SUCCESS;
}

int udc_tinyfilter_backward(const uint8_t *src, uint8_t *dest, int32_t size, uint8_t meta,
                            blosc2_dparams *dparams, uint8_t id) {
  (void)id; (void)dparams;
  for (int32_t i = 0; i < size; i++) dest[i] = (uint8_t)(src[i] - meta - 1);
  return BLOSC2_ERROR_SUCCESS;
}

struct { const char *forward, *backward; } info = {"udc_tinyfilter_forward", "udc_tinyfilter_backward"};
