// The drum firmware's logic: bytes in, strikes out, SysEx replies queued.
// Hardware-free (through hal.h and motor_driver.h), so it runs on the host.
#pragma once
#include <stdint.h>
#include "calibration.h"
#include "protocol.h"

#define DRUM_TX_QUEUE 128  // bytes of replies waiting for the UART

void drum_begin(uint8_t reset_flags);  // reset flags: DB_RESET_* bits
void drum_feed(uint8_t byte);          // one byte from the host
// Call every loop: timers, heartbeat, EEPROM, LED. Returns true while the loop must keep spinning
// (a strike in any phase, replies queued, an EEPROM save); false: the sketch may sleep until the
// next interrupt (a byte arriving, the 1 ms timer tick).
bool drum_poll();

bool drum_tx_pending();
uint8_t drum_tx_pop();

// Read-only views for tests and the LED.
const DrumConfig *drum_config();
uint32_t drum_counter(uint8_t index);  // DB_CTR_*
uint8_t drum_status_flags();           // DB_STATUS_FLAG_*
uint8_t drum_active_motors();          // bit m set while motor m is driven
