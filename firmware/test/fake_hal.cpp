#include "fake_hal.h"

#include <cstring>

#include "hal.h"

static uint32_t now_us;
static uint8_t levels[32];
static uint8_t pwm[32];
static bool outputs[32];
static std::vector<PinEvent> pin_log;
static uint8_t eeprom[1024];
static uint32_t eeprom_busy_until;
static uint32_t eeprom_write_us = 3400;
static uint32_t eeprom_writes;

void fake_reset() {
    now_us = 0;
    std::memset(levels, 0, sizeof(levels));
    std::memset(pwm, 0, sizeof(pwm));
    std::memset(outputs, 0, sizeof(outputs));
    pin_log.clear();
    std::memset(eeprom, 0xFF, sizeof(eeprom));
    eeprom_busy_until = 0;
    eeprom_write_us = 3400;
    eeprom_writes = 0;
}

void fake_advance_us(uint32_t us) { now_us += us; }
uint32_t fake_now_us() { return now_us; }
uint8_t fake_pin(uint8_t pin) { return levels[pin]; }
uint8_t fake_pwm(uint8_t pin) { return pwm[pin]; }
bool fake_pin_is_output(uint8_t pin) { return outputs[pin]; }
std::vector<PinEvent> &fake_pin_log() { return pin_log; }
uint8_t *fake_eeprom() { return eeprom; }
void fake_set_eeprom_write_us(uint32_t us) { eeprom_write_us = us; }
uint32_t fake_eeprom_writes() { return eeprom_writes; }

static void set_level(uint8_t pin, uint8_t level) {
    if (levels[pin] == level) return;
    levels[pin] = level;
    pin_log.push_back(PinEvent{now_us, pin, level});
}

uint32_t hal_micros() { return now_us; }
uint32_t hal_millis() { return now_us / 1000; }
void hal_pin_output(uint8_t pin) { outputs[pin] = true; }

void hal_pin_write(uint8_t pin, uint8_t level) {
    pwm[pin] = level ? 255 : 0;
    set_level(pin, level ? 1 : 0);
}

void hal_pin_pwm(uint8_t pin, uint8_t duty) {
    pwm[pin] = duty;
    set_level(pin, duty > 0);
}

uint8_t hal_eeprom_read(uint16_t addr) { return eeprom[addr % sizeof(eeprom)]; }
bool hal_eeprom_ready() { return (int32_t)(now_us - eeprom_busy_until) >= 0; }

void hal_eeprom_write(uint16_t addr, uint8_t value) {
    eeprom[addr % sizeof(eeprom)] = value;
    eeprom_busy_until = now_us + eeprom_write_us;
    eeprom_writes++;
}
