// Host fake of hal.h: virtual microsecond clock, pin levels with a log,
// and an EEPROM whose writes stay busy for a while like the real one.
#pragma once
#include <stdint.h>
#include <vector>

struct PinEvent {
    uint32_t t_us;
    uint8_t pin;
    uint8_t level;  // 0/1; for PWM writes 1 when duty > 0
};

void fake_reset();  // t = 0, pins low, log empty, EEPROM blank (0xFF)
void fake_advance_us(uint32_t us);
uint32_t fake_now_us();
uint8_t fake_pin(uint8_t pin);
uint8_t fake_pwm(uint8_t pin);
bool fake_pin_is_output(uint8_t pin);
std::vector<PinEvent> &fake_pin_log();
uint8_t *fake_eeprom();  // 1024 bytes
void fake_set_eeprom_write_us(uint32_t us);
uint32_t fake_eeprom_writes();
