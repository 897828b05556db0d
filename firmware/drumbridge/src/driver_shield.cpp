#ifdef DB_DRIVER_SHIELD
#include "hal.h"
#include "motor_driver.h"
#include "pins.h"
#include "protocol.h"

static const uint8_t kPwmPins[DB_MOTOR_COUNT] = DB_SHIELD_PWM_PINS;
static const uint8_t kLatchBits[DB_MOTOR_COUNT][2] = DB_SHIELD_LATCH_BITS;
static uint8_t latch_state;

uint8_t driver_type() { return DB_DRIVER_SHIELD_V1; }

// Shifts latch_state into the 74HC595, MSB first, then latches it.
static void latch_write() {
    hal_pin_write(DB_SHIELD_PIN_LATCH, 0);
    for (int8_t bit = 7; bit >= 0; bit--) {
        hal_pin_write(DB_SHIELD_PIN_CLK, 0);
        hal_pin_write(DB_SHIELD_PIN_DATA, (latch_state >> bit) & 1);
        hal_pin_write(DB_SHIELD_PIN_CLK, 1);
    }
    hal_pin_write(DB_SHIELD_PIN_LATCH, 1);
}

void driver_begin() {
    const uint8_t pins[] = {DB_SHIELD_PIN_LATCH, DB_SHIELD_PIN_CLK, DB_SHIELD_PIN_DATA,
                            DB_SHIELD_PIN_ENABLE};
    for (uint8_t i = 0; i < sizeof(pins); i++) {
        hal_pin_write(pins[i], 0);
        hal_pin_output(pins[i]);
    }
    for (uint8_t m = 0; m < DB_MOTOR_COUNT; m++) {
        hal_pin_pwm(kPwmPins[m], 0);
        hal_pin_output(kPwmPins[m]);
    }
    latch_state = 0;
    latch_write();
    hal_pin_write(DB_SHIELD_PIN_ENABLE, 0);  // /OE low: outputs on
}

void driver_set(uint8_t motor, MotorDrive drive, uint8_t pwm) {
    if (motor >= DB_MOTOR_COUNT) return;
    const uint8_t a = 1 << kLatchBits[motor][0], b = 1 << kLatchBits[motor][1];
    latch_state &= (uint8_t)~(a | b);
    if (drive == DRIVE_FORWARD) latch_state |= a;
    if (drive == DRIVE_BACK) latch_state |= b;
    if (drive == DRIVE_OFF) hal_pin_pwm(kPwmPins[motor], 0);
    latch_write();
    if (drive != DRIVE_OFF) hal_pin_pwm(kPwmPins[motor], pwm);
}
#endif
