// Built with -DDB_DRIVER_SHIELD into its own runner.
#include "fake_hal.h"
#include "motor_driver.h"
#include "pins.h"
#include "protocol.h"
#include "testlib.h"

// Replays the pin log through a model 74HC595 and returns the latched byte.
static uint8_t latched() {
    uint8_t shift = 0, latch = 0, clk = 0, lat = 0, data = 0;
    for (const PinEvent &e : fake_pin_log()) {
        if (e.pin == DB_SHIELD_PIN_DATA) data = e.level;
        if (e.pin == DB_SHIELD_PIN_CLK) {
            if (e.level && !clk) shift = (uint8_t)((shift << 1) | data);
            clk = e.level;
        }
        if (e.pin == DB_SHIELD_PIN_LATCH) {
            if (e.level && !lat) latch = shift;
            lat = e.level;
        }
    }
    return latch;
}

TEST(shield_latch_bits_per_motor) {
    driver_begin();
    CHECK_EQ(driver_type(), DB_DRIVER_SHIELD_V1);
    CHECK_EQ(latched(), 0);
    CHECK_EQ(fake_pin(DB_SHIELD_PIN_ENABLE), 0);
    driver_set(0, DRIVE_FORWARD, 255);  // M1A = bit 2
    CHECK_EQ(latched(), 1 << 2);
    CHECK_EQ(fake_pwm(11), 255);
    driver_set(0, DRIVE_BACK, 255);     // M1B = bit 3
    CHECK_EQ(latched(), 1 << 3);
    driver_set(3, DRIVE_FORWARD, 100);  // M4A = bit 0
    CHECK_EQ(latched(), (1 << 3) | (1 << 0));
    CHECK_EQ(fake_pwm(5), 100);
    driver_set(0, DRIVE_OFF, 0);
    driver_set(3, DRIVE_OFF, 0);
    CHECK_EQ(latched(), 0);
    CHECK_EQ(fake_pwm(11), 0);
    CHECK_EQ(fake_pwm(5), 0);
}
