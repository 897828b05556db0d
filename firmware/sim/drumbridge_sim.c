/* drumbridge-sim: runs the real drumbridge firmware (build/drumbridge.elf)
 * on libsimavr as an ATmega328P at 16 MHz.
 *
 * Script mode (tests):  drumbridge-sim --script FILE --ms N [--trace OUT.csv]
 * pty mode (bridge):    drumbridge-sim --pty PATH [--trace OUT.csv] [--speed X] [--reset-on-open]
 * Both:                 [--elf FILE] [--driver hbridge|shield] [--eeprom FILE] [--mcusr HEX]
 *
 * Input bytes go into UART0 paced like a 115200 8N1 line; every motor pin
 * change, LED change, received and sent byte is written as a CSV row
 * "time_us,what,value" (see firmware/sim/README.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <avr_eeprom.h>
#include <avr_extint.h>
#include <avr_ioport.h>
#include <avr_uart.h>
#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_irq.h>

#include "pins.h"

#define F_CPU_HZ 16000000UL
#define CYCLES_PER_US (F_CPU_HZ / 1000000UL)
/* 10 bits at 115200 baud, in CPU cycles: the host's byte pacing. */
#define HOST_BYTE_CYCLES ((F_CPU_HZ * 10UL + 115200UL / 2) / 115200UL)
#define EEPROM_SIZE 1024
#define REG_MCUSR 0x54
#define REG_UCSR0A 0xC0
#define REG_UCSR0B 0xC1
#define REG_UBRR0L 0xC4
#define REG_UBRR0H 0xC5
#define MCUSR_PORF 0x01
#define MCUSR_EXTRF 0x02
#define QUEUE_SIZE 65536

static avr_t *avr;
static avr_uart_t *uart0;
static FILE *trace;
static int pty_master = -1;
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reset_requested;
static volatile sig_atomic_t hang_requested;

static const uint8_t motor_pins[DB_MOTOR_COUNT][3] = DB_HBRIDGE_PINS;
static const uint8_t shield_bits[DB_MOTOR_COUNT][2] = DB_SHIELD_LATCH_BITS;
static int shield_mode;       /* --driver shield: decode the 74HC595 instead of IN1/IN2 */
static uint8_t shift_reg, latch_reg;
static uint8_t pin_level[20];
static int motor_state[DB_MOTOR_COUNT];  /* 0 off, 1 fwd, 2 back, 3 brake */
static const char *state_name[] = {"off", "fwd", "back", "brake"};

/* Bytes waiting to go into the UART, each with its start-bit cycle. */
static uint8_t queue_byte[QUEUE_SIZE];
static avr_cycle_count_t queue_start[QUEUE_SIZE];
static size_t queue_head, queue_tail;
static avr_cycle_count_t last_start;
static int have_last_start;

static unsigned long long now_us(void) { return avr->cycle / CYCLES_PER_US; }

static void row(unsigned long long t_us, const char *what, const char *value) {
    fprintf(trace, "%llu,%s,%s\n", t_us, what, value);
}

static int compute_motor_state(int m) {
    int in1, in2;
    if (shield_mode) {
        in1 = (latch_reg >> shield_bits[m][0]) & 1;
        in2 = (latch_reg >> shield_bits[m][1]) & 1;
    } else {
        in1 = pin_level[motor_pins[m][0]];
        in2 = pin_level[motor_pins[m][1]];
    }
    return in1 && in2 ? 3 : in1 ? 1 : in2 ? 2 : 0;
}

static void on_pin_change(struct avr_irq_t *irq, uint32_t value, void *param) {
    (void)irq;
    int pin = (int)(intptr_t)param;
    uint8_t level = value ? 1 : 0;
    if (pin_level[pin] == level) return;
    pin_level[pin] = level;
    if (pin == DB_PIN_LED) {
        row(now_us(), "led", level ? "1" : "0");
        return;
    }
    if (shield_mode) {  /* a model 74HC595: shift on clock rise, copy on latch rise */
        if (pin == DB_SHIELD_PIN_CLK && level) {
            shift_reg = (uint8_t)((shift_reg << 1) | pin_level[DB_SHIELD_PIN_DATA]);
        }
        if (pin != DB_SHIELD_PIN_LATCH || !level) return;
        latch_reg = shift_reg;
    }
    for (int m = 0; m < DB_MOTOR_COUNT; m++) {
        int s = compute_motor_state(m);
        if (s != motor_state[m]) {
            motor_state[m] = s;
            char motor[4];
            snprintf(motor, sizeof(motor), "%d", m);
            row(now_us(), motor, state_name[s]);
        }
    }
}

static void on_uart_output(struct avr_irq_t *irq, uint32_t value, void *param) {
    (void)irq;
    (void)param;
    char hex[4];
    snprintf(hex, sizeof(hex), "%02X", value & 0xFF);
    row(now_us(), "tx", hex);
    if (pty_master >= 0) {
        uint8_t b = (uint8_t)value;
        if (write(pty_master, &b, 1) < 0 && errno != EAGAIN) perror("drumbridge-sim: pty write");
    }
}

/* simavr's own messages go to stderr, never into the CSV on stdout. */
static void log_to_stderr(avr_t *a, const int level, const char *format, va_list ap) {
    if (level <= LOG_WARNING && (!a || a->log >= level)) vfprintf(stderr, format, ap);
}

/* The firmware sleeps (idle mode) whenever it has nothing to time; simavr then skips ahead to the
 * next cycle timer instead of simulating the wait. This timer is one of them: it wakes the
 * simulation exactly when the next queued byte must go on the line and at next_harness_event
 * (script mode: the next reset/hang or the end; pty mode: the wall clock's time, so a skip never
 * runs ahead of it), and at least every MAX_SKIP_US. */
#define MAX_SKIP_US 10000
/* simavr's own sleep callback would usleep() in real time; the skip itself is simavr's. */
static void no_sleep(avr_t *a, avr_cycle_count_t how_long) {
    (void)a;
    (void)how_long;
}
static avr_cycle_count_t next_harness_event = ~(avr_cycle_count_t)0;
static void inject_due(void);
static avr_cycle_count_t uart_byte_cycles(void);

static avr_cycle_count_t next_wake(avr_cycle_count_t now) {
    avr_cycle_count_t when = now + MAX_SKIP_US * CYCLES_PER_US;
    if (queue_head != queue_tail) {
        avr_cycle_count_t stop = queue_start[queue_head] + HOST_BYTE_CYCLES, bc = uart_byte_cycles();
        avr_cycle_count_t due = stop > bc ? stop - bc : 0;
        if (due > now && due < when) when = due;
    }
    if (next_harness_event > now && next_harness_event < when) when = next_harness_event;
    return when;
}

static avr_cycle_count_t harness_tick(avr_t *a, avr_cycle_count_t when, void *param) {
    (void)when;
    (void)param;
    inject_due();
    return next_wake(a->cycle);
}

/* (Re)arms the harness timer: after enqueueing, and after a reset cleared simavr's timers. */
static void arm_tick(void) {
    avr_cycle_timer_cancel(avr, harness_tick, NULL);
    avr_cycle_timer_register(avr, next_wake(avr->cycle) - avr->cycle, harness_tick, NULL);
}

/* Cycles one byte takes in the firmware's UART as configured (UBRR0, U2X0). */
static avr_cycle_count_t uart_byte_cycles(void) {
    unsigned ubrr = avr->data[REG_UBRR0L] | ((avr->data[REG_UBRR0H] & 0x0F) << 8);
    unsigned per_bit = (ubrr + 1) * ((avr->data[REG_UCSR0A] & 0x02) ? 8 : 16);
    return (avr_cycle_count_t)per_bit * 10;
}

static void enqueue(uint8_t b, avr_cycle_count_t start) {
    if (have_last_start && start < last_start + HOST_BYTE_CYCLES) start = last_start + HOST_BYTE_CYCLES;
    if ((queue_tail + 1) % QUEUE_SIZE == queue_head) {
        fprintf(stderr, "drumbridge-sim: input queue full, byte dropped\n");
        return;
    }
    queue_byte[queue_tail] = b;
    queue_start[queue_tail] = start;
    queue_tail = (queue_tail + 1) % QUEUE_SIZE;
    last_start = start;
    have_last_start = 1;
}

/* Puts due bytes on the UART line so that the firmware sees each one (RXC)
 * exactly when its stop bit ends on a 115200 baud line. simavr raises RXC one
 * byte time after the input IRQ, and v1.6 counts a parity bit that 8N1 does
 * not have, so we set its byte time to the real 10 bits first. */
static void inject_due(void) {
    avr_irq_t *in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
    while (queue_head != queue_tail) {
        const avr_cycle_count_t byte_cycles = uart_byte_cycles();
        const avr_cycle_count_t stop = queue_start[queue_head] + HOST_BYTE_CYCLES;
        if (avr->cycle + byte_cycles < stop) return;
        uint8_t b = queue_byte[queue_head];
        queue_head = (queue_head + 1) % QUEUE_SIZE;
        char hex[4];
        snprintf(hex, sizeof(hex), "%02X", b);
        if (!(avr->data[REG_UCSR0B] & 0x10)) {  /* RXEN0 off: firmware not listening yet */
            row(now_us(), "rxlost", hex);
            continue;
        }
        if (uart0) uart0->cycles_per_byte = byte_cycles;
        row((avr->cycle + byte_cycles) / CYCLES_PER_US, "rx", hex);
        avr_raise_irq(in, b);
    }
}

static void external_reset(void) {
    row(now_us(), "reset", "external");
    avr_reset(avr);
    avr->data[REG_MCUSR] = MCUSR_EXTRF;
    for (int p = 0; p < 20; p++) {
        if (pin_level[p]) on_pin_change(NULL, 0, (void *)(intptr_t)p);
    }
    if (shield_mode && latch_reg) {  /* enables float during reset: count the motors as off */
        shift_reg = 0;
        on_pin_change(NULL, 1, (void *)(intptr_t)DB_SHIELD_PIN_LATCH);
        pin_level[DB_SHIELD_PIN_LATCH] = 0;
    }
}

/* Makes the firmware hang as a bug would: interrupts off, PC parked on an
 * `rjmp .` written into the (unused) bootloader area. Only the watchdog can
 * get it out; the pins keep whatever they were driving. */
static void hang_firmware(void) {
    const uint32_t at = (avr->flashend + 1) - 4;
    avr->flash[at] = 0xFF;  /* rjmp .-2 = 0xCFFF, little-endian */
    avr->flash[at + 1] = 0xCF;
    avr->sreg[S_I] = 0;
    avr->pc = at;
    row(now_us(), "hang", "firmware");
}

static void watch_pin(int pin) {
    char port = pin < 8 ? 'D' : pin < 14 ? 'B' : 'C';
    int bit = pin < 8 ? pin : pin < 14 ? pin - 8 : pin - 14;
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port), bit), on_pin_change,
                            (void *)(intptr_t)pin);
}

static int load_eeprom(const char *path) {
    uint8_t data[EEPROM_SIZE];
    FILE *f = fopen(path, "rb");
    if (!f) return errno == ENOENT ? 0 : -1;  /* a new file starts blank */
    size_t n = fread(data, 1, sizeof(data), f);
    fclose(f);
    if (n != sizeof(data)) {
        fprintf(stderr, "drumbridge-sim: %s: expected %d bytes, got %zu\n", path, EEPROM_SIZE, n);
        return -1;
    }
    avr_eeprom_desc_t d = {.ee = data, .offset = 0, .size = sizeof(data)};
    avr_ioctl(avr, AVR_IOCTL_EEPROM_SET, &d);
    return 0;
}

static void save_eeprom(const char *path) {
    avr_eeprom_desc_t d = {.ee = NULL, .offset = 0, .size = EEPROM_SIZE};
    avr_ioctl(avr, AVR_IOCTL_EEPROM_GET, &d);
    FILE *f = fopen(path, "wb");
    if (!f || !d.ee || fwrite(d.ee, 1, EEPROM_SIZE, f) != EEPROM_SIZE) {
        fprintf(stderr, "drumbridge-sim: cannot write EEPROM file %s\n", path);
    }
    if (f) fclose(f);
}

static int run_one(void) {
    static unsigned checks;
    /* A reset (ours or the watchdog's) clears simavr's timers: look for ours now and then, and at
     * every sleep skip, where a missing wake-up would matter. */
    if ((avr->state == cpu_Sleeping || (++checks & 1023) == 0) && !avr_cycle_timer_status(avr, harness_tick, NULL))
        arm_tick();
    int state = avr_run(avr);
    if (state == cpu_Done || state == cpu_Crashed) {
        fprintf(stderr, "drumbridge-sim: firmware stopped (state %d) at %llu us\n", state, now_us());
        return -1;
    }
    return 0;
}

/* ---- script mode ------------------------------------------------------- */

struct script_reset {
    avr_cycle_count_t at;
};

static int run_script(const char *path, unsigned long ms) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "drumbridge-sim: cannot open script %s: %s\n", path, strerror(errno));
        return 2;
    }
    avr_cycle_count_t resets[256];  /* reset and hang events, in file order */
    int hang_flags[256];
    size_t n_resets = 0, next_reset = 0;
    char line[4096];
    int line_no = 0;
    while (fgets(line, sizeof(line), f)) {
        line_no++;
        char *p = line;
        char *hash = strchr(p, '#');
        if (hash) *hash = 0;
        char *tok = strtok(p, " \t\r\n,");
        if (!tok) continue;
        char *end;
        unsigned long long t = strtoull(tok, &end, 10);
        if (*end) {
            fprintf(stderr, "drumbridge-sim: %s:%d: time '%s' is not microseconds\n", path, line_no, tok);
            return 2;
        }
        avr_cycle_count_t start = t * CYCLES_PER_US;
        while ((tok = strtok(NULL, " \t\r\n,"))) {
            if (strcmp(tok, "reset") == 0 || strcmp(tok, "hang") == 0) {
                if (n_resets < 256) {
                    hang_flags[n_resets] = tok[0] == 'h';
                    resets[n_resets++] = start;
                }
                continue;
            }
            unsigned long v = strtoul(tok, &end, 16);
            if (*end || v > 0xFF) {
                fprintf(stderr, "drumbridge-sim: %s:%d: '%s' is not a hex byte\n", path, line_no, tok);
                return 2;
            }
            enqueue((uint8_t)v, start);
            start += HOST_BYTE_CYCLES;
        }
    }
    if (f != stdin) fclose(f);

    avr_cycle_count_t end_cycle = (avr_cycle_count_t)ms * 1000 * CYCLES_PER_US;
    next_harness_event = n_resets ? resets[0] : end_cycle;
    arm_tick();
    while (avr->cycle < end_cycle && !stop_requested) {
        inject_due();
        if (next_reset < n_resets && avr->cycle >= resets[next_reset]) {
            if (hang_flags[next_reset]) hang_firmware();
            else external_reset();
            next_reset++;
            next_harness_event = next_reset < n_resets ? resets[next_reset] : end_cycle;
            arm_tick();
        }
        if (run_one() < 0) return 1;
    }
    return 0;
}

/* ---- pty mode ------------------------------------------------------------ */

static double wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* pty mode: the firmware's UART on a pseudo-terminal linked at link_path.
 * Without reset_on_open we keep a slave fd open ourselves, so clients may come
 * and go and the firmware never notices. With it, we watch the master for
 * clients opening the port (read gives EIO while nobody has it open) and do
 * what an Uno does when DTR drops: reset, stay ~0.5 s in the bootloader
 * (bytes sent meanwhile are lost), then boot with a fresh boot notice. */
static int run_pty(const char *link_path, double speed, int reset_on_open) {
    int slave;
    char name[PATH_MAX];
    if (openpty(&pty_master, &slave, name, NULL, NULL) < 0) {
        perror("drumbridge-sim: openpty");
        return 2;
    }
    struct termios tio;
    tcgetattr(slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(slave, TCSANOW, &tio);
    if (reset_on_open) {
        close(slave);
        slave = -1;
    }
    fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);
    struct stat st;
    if (lstat(link_path, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            fprintf(stderr, "drumbridge-sim: %s exists and is not a symlink; not replacing it\n", link_path);
            return 2;
        }
        unlink(link_path);  /* a stale link from an earlier run */
    }
    if (symlink(name, link_path) < 0) {
        fprintf(stderr, "drumbridge-sim: cannot link %s -> %s: %s\n", link_path, name, strerror(errno));
        return 2;
    }
    printf("READY %s %s\n", link_path, name);
    fflush(stdout);

    /* Paced, not spinning: simulate up to the wall clock's time (the sleeping firmware costs
     * almost nothing to simulate), then wait in ppoll until a byte arrives on the pty or the
     * next slice is due: 1 ms while the firmware sleeps (its timer tick), 200 us while it runs. */
    double start = wall_seconds();
    const avr_cycle_count_t slice = 100 * CYCLES_PER_US;
    double last_flush = start;
    int client = 0;
    int rc = 0;
    while (!stop_requested) {
        if (reset_requested) {
            reset_requested = 0;
            external_reset();
        }
        if (hang_requested) {
            hang_requested = 0;
            hang_firmware();
        }
        uint8_t buf[256];
        ssize_t n;
        int got = 0;
        while ((n = read(pty_master, buf, sizeof(buf))) > 0) {
            for (ssize_t i = 0; i < n; i++) enqueue(buf[i], avr->cycle);
            got = 1;
        }
        if (got) arm_tick();
        if (reset_on_open) {
            int present = !(n < 0 && errno == EIO);
            if (present != client) {
                client = present;
                row(now_us(), "client", present ? "open" : "closed");
                if (present) {
                    external_reset();
                    struct timespec boot = {0, 500 * 1000 * 1000};  /* optiboot's wait */
                    nanosleep(&boot, NULL);
                    while (read(pty_master, buf, sizeof(buf)) > 0) {
                    }  /* the bootloader ate these */
                    queue_head = queue_tail;
                    start += 0.5;
                }
            }
            if (!client) {
                struct timespec idle = {0, 10 * 1000 * 1000};
                nanosleep(&idle, NULL);  /* nobody listening: poll gently, keep sim time still */
                start += 0.01;
                continue;
            }
        }
        double now = wall_seconds();
        avr_cycle_count_t target = avr->cycle + slice;  /* --speed 0: flat out, a slice at a time */
        if (speed > 0) target = (avr_cycle_count_t)((now - start) * speed * F_CPU_HZ);
        if (target > avr->cycle) {
            next_harness_event = target;
            arm_tick();
        }
        while (avr->cycle < target) {
            inject_due();
            if (run_one() < 0) {
                rc = 1;
                stop_requested = 1;
                break;
            }
        }
        if (now - last_flush > 0.1) {
            fflush(trace);
            last_flush = now;
        }
        if (speed > 0 && !stop_requested) {
            struct pollfd pfd = {.fd = pty_master, .events = POLLIN};
            long wait_ns = avr->state == cpu_Sleeping ? 1000 * 1000 : 200 * 1000;
            struct timespec timeout = {0, (long)(wait_ns / speed < 5e8 ? wait_ns / speed : 5e8)};
            ppoll(&pfd, 1, &timeout, NULL);
        }
    }
    unlink(link_path);
    if (slave >= 0) close(slave);
    return rc;
}

/* ---- main ---------------------------------------------------------------- */

static void on_signal(int sig) {
    if (sig == SIGUSR1) reset_requested = 1;
    else if (sig == SIGUSR2) hang_requested = 1;
    else stop_requested = 1;
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: drumbridge-sim [--elf FILE] [--driver hbridge|shield] [--eeprom FILE] [--mcusr HEX]\n"
            "                      [--trace OUT.csv]\n"
            "                      (--script FILE --ms N | --pty PATH [--speed X] [--reset-on-open])\n"
            "  --elf FILE     firmware ELF (default: drumbridge.elf next to this binary)\n"
            "  --mcusr HEX    reset flags at the first boot (default 01 power-on; 04 brown-out, 08 watchdog)\n"
            "  --driver D     how to read motor states: hbridge (IN1/IN2 pins, default) or shield\n"
            "                 (74HC595 latch of a DRIVER=shield build)\n"
            "  --eeprom FILE  1024-byte EEPROM image, loaded at start (if present), saved at exit\n"
            "  --trace FILE   CSV rows time_us,what,value (default: stdout in script mode, none in pty mode)\n"
            "  --script FILE  lines 'TIME_US HEX HEX ...', 'TIME_US reset' or 'TIME_US hang' ('-' = stdin)\n"
            "  --ms N         simulated milliseconds to run in script mode\n"
            "  --pty PATH     make a pty, link it at PATH, bridge it in real time until SIGINT/SIGTERM;\n"
            "                 SIGUSR1 presses the reset button, SIGUSR2 hangs the firmware (watchdog test)\n"
            "  --speed X      pty mode: simulated seconds per wall second (default 1, 0 = flat out)\n"
            "  --reset-on-open  pty mode: reset like an Uno when a client opens the port (DTR),\n"
            "                 then 0.5 s of bootloader before the firmware runs\n");
}

int main(int argc, char **argv) {
    const char *elf_path = NULL, *eeprom_path = NULL, *trace_path = NULL;
    const char *script = NULL, *pty_path = NULL;
    long ms = -1;
    double speed = 1.0;
    int reset_on_open = 0;
    unsigned long power_on_flags = MCUSR_PORF;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--reset-on-open") == 0) {
            reset_on_open = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "drumbridge-sim: %s needs a value\n", a);
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--elf") == 0) elf_path = v;
        else if (strcmp(a, "--eeprom") == 0) eeprom_path = v;
        else if (strcmp(a, "--trace") == 0) trace_path = v;
        else if (strcmp(a, "--script") == 0) script = v;
        else if (strcmp(a, "--pty") == 0) pty_path = v;
        else if (strcmp(a, "--ms") == 0) ms = strtol(v, NULL, 10);
        else if (strcmp(a, "--speed") == 0) speed = strtod(v, NULL);
        else if (strcmp(a, "--mcusr") == 0) power_on_flags = strtoul(v, NULL, 16) & 0x0F;
        else if (strcmp(a, "--driver") == 0) {
            if (strcmp(v, "shield") != 0 && strcmp(v, "hbridge") != 0) {
                fprintf(stderr, "drumbridge-sim: --driver is hbridge or shield, not %s\n", v);
                return 2;
            }
            shield_mode = strcmp(v, "shield") == 0;
        }
        else {
            fprintf(stderr, "drumbridge-sim: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (!!script == !!pty_path || (script && ms <= 0)) {
        fprintf(stderr, "drumbridge-sim: give either --script FILE --ms N, or --pty PATH\n");
        usage(stderr);
        return 2;
    }
    char default_elf[PATH_MAX];
    if (!elf_path) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0) {
            perror("drumbridge-sim: /proc/self/exe");
            return 2;
        }
        self[n] = 0;
        snprintf(default_elf, sizeof(default_elf), "%s/drumbridge.elf", dirname(self));
        elf_path = default_elf;
    }

    avr_global_logger_set(log_to_stderr);
    elf_firmware_t fw;
    memset(&fw, 0, sizeof(fw));
    if (access(elf_path, R_OK) != 0 || elf_read_firmware(elf_path, &fw) != 0) {
        fprintf(stderr, "drumbridge-sim: cannot read firmware %s (run make -C firmware)\n", elf_path);
        return 2;
    }
    avr = avr_make_mcu_by_name("atmega328p");
    if (!avr) {
        fprintf(stderr, "drumbridge-sim: libsimavr has no atmega328p\n");
        return 2;
    }
    avr_init(avr);
    avr->log = LOG_ERROR;
    for (avr_io_t *io = avr->io_port; io; io = io->next) {
        if (io->kind && strcmp(io->kind, "uart") == 0) uart0 = (avr_uart_t *)io;
    }
    avr_load_firmware(avr, &fw);
    avr->frequency = F_CPU_HZ;
    avr->sleep = no_sleep;  /* simavr skips a sleeping firmware's cycles; we pace against the wall ourselves */
    avr_extint_set_strict_lvl_trig(avr, 0, 0);
    avr_extint_set_strict_lvl_trig(avr, 1, 0);
    uint32_t flags = 0;
    avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
    flags &= ~(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
    avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    if (eeprom_path && load_eeprom(eeprom_path) < 0) {
        fprintf(stderr, "drumbridge-sim: cannot read EEPROM file %s\n", eeprom_path);
        return 2;
    }
    avr->data[REG_MCUSR] = (uint8_t)power_on_flags;

    /* stdout carries the CSV in script mode; in pty mode it only says READY. */
    trace = stdout;
    if (!trace_path && pty_path) trace_path = "/dev/null";
    if (trace_path && !(trace = fopen(trace_path, "w"))) {
        fprintf(stderr, "drumbridge-sim: cannot write %s: %s\n", trace_path, strerror(errno));
        return 2;
    }
    fprintf(trace, "time_us,what,value\n");
    if (shield_mode) {
        watch_pin(DB_SHIELD_PIN_CLK);
        watch_pin(DB_SHIELD_PIN_DATA);
        watch_pin(DB_SHIELD_PIN_LATCH);
    } else {
        for (int m = 0; m < DB_MOTOR_COUNT; m++) {
            watch_pin(motor_pins[m][0]);
            watch_pin(motor_pins[m][1]);
        }
    }
    watch_pin(DB_PIN_LED);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
                            on_uart_output, NULL);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = script ? run_script(script, (unsigned long)ms) : run_pty(pty_path, speed, reset_on_open);
    fflush(trace);
    if (trace != stdout) fclose(trace);
    if (eeprom_path) save_eeprom(eeprom_path);
    return rc;
}
