// Board-only extras beyond hal.h.
#pragma once
#include <stdint.h>

// MCUSR reset flags captured before main (DB_RESET_* bits), 0 if unknown.
uint8_t hal_reset_flags();
