#include "strike.h"
#include "support.h"
#include "testlib.h"

// Polls one strike every 10 us for us microseconds.
static bool poll_strike(Strike *s, const MotorCal *cal, uint32_t us) {
    bool cut = false;
    for (uint32_t t = 0; t < us; t += 10) {
        fake_advance_us(10);
        cut |= strike_poll(s, cal, fake_now_us());
    }
    return cut;
}

TEST(strike_shape_forward_pause_back) {
    driver_begin();
    MotorCal cal;
    cal_defaults(&cal);
    Strike s;
    strike_init(&s, 0);
    fake_advance_us(1000);
    CHECK_EQ(strike_start(&s, &cal, 127, fake_now_us()), STRIKE_STARTED);
    CHECK(!poll_strike(&s, &cal, 100000));
    auto ch = drive_changes(0);
    CHECK_EQ(ch.size(), 4);
    if (ch.size() != 4) return;
    CHECK_EQ(ch[0].drive, DRIVE_FORWARD);
    CHECK_EQ(ch[0].t_us, 1000);
    CHECK_EQ(ch[1].drive, DRIVE_OFF);
    CHECK_EQ(ch[1].t_us, 31000);
    CHECK_EQ(ch[2].drive, DRIVE_BACK);
    CHECK_EQ(ch[2].t_us, 51000);
    CHECK_EQ(ch[3].drive, DRIVE_OFF);
    CHECK_EQ(ch[3].t_us, 81000);
    CHECK_EQ(fake_pwm(kTestPins[0][2]), 0);
}

TEST(strike_velocity_scales_forward_time) {
    driver_begin();
    MotorCal cal;
    cal_defaults(&cal);
    Strike s;
    strike_init(&s, 1);
    strike_start(&s, &cal, 64, fake_now_us());
    poll_strike(&s, &cal, 100000);
    auto ch = drive_changes(1);
    CHECK_EQ(ch.size(), 4);
    if (ch.size() < 2) return;
    CHECK_EQ(ch[1].t_us - ch[0].t_us, 21000);
}

TEST(strike_pwm_mode_sets_enable_duty) {
    driver_begin();
    MotorCal cal;
    cal_defaults(&cal);
    cal.vel_mode = DB_VEL_MODE_PWM;
    Strike s;
    strike_init(&s, 2);
    strike_start(&s, &cal, 64, fake_now_us());
    CHECK_EQ(fake_pwm(kTestPins[2][2]), 178);
    CHECK_EQ(motor_state(2), DRIVE_FORWARD);
    poll_strike(&s, &cal, 55000);
    CHECK_EQ(motor_state(2), DRIVE_BACK);
    CHECK_EQ(fake_pwm(kTestPins[2][2]), 255);  // retract at full power
}

TEST(strike_refused_inside_min_interval) {
    driver_begin();
    MotorCal cal;
    cal_defaults(&cal);
    Strike s;
    strike_init(&s, 0);
    CHECK_EQ(strike_start(&s, &cal, 100, fake_now_us()), STRIKE_STARTED);
    poll_strike(&s, &cal, 40000);
    CHECK_EQ(strike_start(&s, &cal, 100, fake_now_us()), STRIKE_TOO_SOON);  // busy
    poll_strike(&s, &cal, 45000);  // idle at 80 ms, interval is 90 ms
    CHECK_EQ(s.phase, PHASE_IDLE);
    CHECK_EQ(strike_start(&s, &cal, 100, fake_now_us()), STRIKE_TOO_SOON);
    poll_strike(&s, &cal, 5000);
    CHECK_EQ(strike_start(&s, &cal, 100, fake_now_us()), STRIKE_STARTED);
}

TEST(strike_refused_over_max_on_time) {
    driver_begin();
    MotorCal cal;
    cal_defaults(&cal);
    Strike s;
    strike_init(&s, 0);
    cal.forward_ms = 120;
    CHECK_EQ(strike_start(&s, &cal, 127, fake_now_us()), STRIKE_MAX_ON);
    CHECK_EQ(strike_start(&s, &cal, 1, fake_now_us()), STRIKE_STARTED);  // 48 ms at velocity 1
    strike_abort(&s);
    s.has_struck = false;
    cal.forward_ms = 60;
    cal.pause_ms = 0;  // forward and back run back to back: 60 + 30 > 80
    cal.max_on_ms = 80;
    CHECK_EQ(strike_start(&s, &cal, 127, fake_now_us()), STRIKE_MAX_ON);
    CHECK(fake_pin_log().size() > 0);
}

TEST(strike_guard_cuts_a_motor_on_too_long) {
    driver_begin();
    MotorCal cal;
    cal_defaults(&cal);
    Strike s;
    strike_init(&s, 3);
    strike_start(&s, &cal, 127, fake_now_us());
    cal.max_on_ms = 10;  // lowered mid-strike: the guard must step in
    CHECK(poll_strike(&s, &cal, 20000));
    auto ch = drive_changes(3);
    CHECK_EQ(ch.size(), 2);
    if (ch.size() == 2) CHECK_NEAR(ch[1].t_us - ch[0].t_us, 10000, 10);
    CHECK_EQ(s.phase, PHASE_IDLE);
}

TEST(strike_zero_pause_goes_straight_back) {
    driver_begin();
    MotorCal cal;
    cal_defaults(&cal);
    cal.pause_ms = 0;
    Strike s;
    strike_init(&s, 0);
    strike_start(&s, &cal, 127, fake_now_us());
    poll_strike(&s, &cal, 100000);
    auto ch = drive_changes(0);
    // IN1 drops before IN2 rises, so the pins pass through "off" for an instant.
    CHECK_EQ(ch.size(), 4);
    if (ch.size() == 4) {
        CHECK_EQ(ch[1].drive, DRIVE_OFF);
        CHECK_EQ(ch[2].drive, DRIVE_BACK);
        CHECK_EQ(ch[2].t_us, 30000);
        CHECK_EQ(ch[3].t_us, 60000);
    }
}
