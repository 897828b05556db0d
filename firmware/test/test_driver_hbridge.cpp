#include "motor_driver.h"
#include "support.h"
#include "testlib.h"

TEST(hbridge_pins_start_low_as_outputs) {
    driver_begin();
    for (int m = 0; m < DB_MOTOR_COUNT; m++) {
        for (int i = 0; i < 3; i++) {
            CHECK(fake_pin_is_output(kTestPins[m][i]));
            CHECK_EQ(fake_pin(kTestPins[m][i]), 0);
        }
    }
    CHECK_EQ(driver_type(), DB_DRIVER_HBRIDGE);
}

TEST(hbridge_never_drives_both_inputs_high) {
    driver_begin();
    driver_set(1, DRIVE_FORWARD, 200);
    CHECK_EQ(fake_pin(7), 1);
    CHECK_EQ(fake_pin(8), 0);
    CHECK_EQ(fake_pwm(5), 200);
    driver_set(1, DRIVE_BACK, 255);
    CHECK_EQ(fake_pin(7), 0);
    CHECK_EQ(fake_pin(8), 1);
    uint8_t in1 = 0, in2 = 0;
    for (const PinEvent &e : fake_pin_log()) {
        if (e.pin == 7) in1 = e.level;
        if (e.pin == 8) in2 = e.level;
        CHECK(!(in1 && in2));
    }
    driver_set(1, DRIVE_OFF, 0);
    CHECK_EQ(fake_pin(8), 0);
    CHECK_EQ(fake_pwm(5), 0);
}
