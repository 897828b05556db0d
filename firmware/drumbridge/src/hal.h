// The few hardware calls the drum logic makes; hal_avr.cpp backs them with
// the Arduino core, test/fake_hal.cpp with a scripted fake for host tests.
#pragma once
#include <stdint.h>

uint32_t hal_micros();
uint32_t hal_millis();
void hal_pin_output(uint8_t pin);
void hal_pin_write(uint8_t pin, uint8_t level);
void hal_pin_pwm(uint8_t pin, uint8_t duty);
uint8_t hal_eeprom_read(uint16_t addr);
bool hal_eeprom_ready();
// Starts one byte write; call only when hal_eeprom_ready().
void hal_eeprom_write(uint16_t addr, uint8_t value);
