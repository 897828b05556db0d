// hal.h on the real board, through the Arduino core and avr-libc.
#ifdef ARDUINO
#include <Arduino.h>
#include <avr/eeprom.h>
#include <avr/wdt.h>

#include "hal.h"
#include "hal_avr.h"

// MCUSR must be read and cleared before the core's init, and the watchdog
// stopped: after a watchdog reset it stays armed at its shortest timeout.
extern "C" {
uint8_t db_mcusr_at_boot __attribute__((section(".noinit")));
void db_capture_reset_cause() __attribute__((naked, used, section(".init3")));
void db_capture_reset_cause() {
    db_mcusr_at_boot = MCUSR;
    MCUSR = 0;
    wdt_disable();
}
}

// Only MCUSR is trusted: some bootloaders hand the flags over in r2, but the
// Uno's stock one leaves r2 undefined, and a wrong cause is worse than none.
uint8_t hal_reset_flags() { return db_mcusr_at_boot & 0x0F; }

uint32_t hal_micros() { return micros(); }
uint32_t hal_millis() { return millis(); }
void hal_pin_output(uint8_t pin) { pinMode(pin, OUTPUT); }
void hal_pin_write(uint8_t pin, uint8_t level) { digitalWrite(pin, level ? HIGH : LOW); }
void hal_pin_pwm(uint8_t pin, uint8_t duty) { analogWrite(pin, duty); }
uint8_t hal_eeprom_read(uint16_t addr) { return eeprom_read_byte((const uint8_t *)addr); }
bool hal_eeprom_ready() { return eeprom_is_ready(); }
void hal_eeprom_write(uint16_t addr, uint8_t value) { eeprom_write_byte((uint8_t *)addr, value); }
#endif
