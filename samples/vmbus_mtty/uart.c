// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus_mtty: a 16550A UART whose transmitter is wired to its receiver.
 *
 * Transmission is instant, so the transmitter is always empty (LSR.THRE
 * and LSR.TEMT stay set) and every byte written to THR lands in the
 * receive FIFO at once. Nothing here knows about PCI or VFIO.
 */
#include <linux/serial_reg.h>
#include <linux/string.h>

#include "mtty.h"

void mtty_uart_reset(struct mtty_uart *u)
{
	memset(u, 0, sizeof(*u));
	/* 115200 baud with the 1.8432 MHz clock PC serial ports use. */
	u->dll = 1;
}

/* Bytes in the FIFO that raise a "data available" interrupt (FCR bits 7:6). */
static unsigned int mtty_rx_trigger(const struct mtty_uart *u)
{
	static const unsigned int levels[] = { 1, 4, 8, 14 };

	if (!(u->fcr & UART_FCR_ENABLE_FIFO))
		return 1;
	return levels[u->fcr >> 6];
}

/* The highest-priority interrupt cause, as IIR bits 3:0 report it. */
static u8 mtty_uart_cause(const struct mtty_uart *u)
{
	if ((u->ier & UART_IER_RLSI) && u->overrun)
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count) {
		/*
		 * Below the trigger level a real UART waits four character
		 * times and reports a timeout; here no more data can arrive
		 * on its own, so the timeout has always expired.
		 */
		return u->rx_count >= mtty_rx_trigger(u) ? UART_IIR_RDI :
							   UART_IIR_RX_TIMEOUT;
	}
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

bool mtty_uart_irq_pending(const struct mtty_uart *u)
{
	return mtty_uart_cause(u) != UART_IIR_NO_INT;
}

static void mtty_uart_receive(struct mtty_uart *u, u8 byte)
{
	if (u->rx_count == MTTY_FIFO_SIZE) {
		u->overrun = true;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % MTTY_FIFO_SIZE] = byte;
	u->rx_count++;
}

static u8 mtty_uart_pop(struct mtty_uart *u)
{
	u8 byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % MTTY_FIFO_SIZE;
	u->rx_count--;
	return byte;
}

/* Modem status: in loopback mode (MCR.LOOP) the outputs feed the inputs. */
static u8 mtty_uart_msr(const struct mtty_uart *u)
{
	u8 msr = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	if (u->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

static void mtty_uart_write(struct mtty_uart *u, unsigned int reg, u8 val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			u->dll = val;
			break;
		}
		mtty_uart_receive(u, val);
		/* Sent at once: THR is empty again. */
		u->thre_pending = true;
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* Enabling the THR-empty interrupt with THR empty raises it. */
		if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
			u->thre_pending = true;
		u->ier = val & 0x0f;
		break;
	case UART_FCR:
		u->fcr = val & (UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_MASK);
		if (val & UART_FCR_CLEAR_RCVR) {
			u->rx_head = 0;
			u->rx_count = 0;
		}
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		/* LSR and MSR are read-only; writes are ignored, as in hardware. */
		break;
	}
}

static u8 mtty_uart_read(struct mtty_uart *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	u8 val;

	switch (reg) {
	case UART_RX:
		return dlab ? u->dll : mtty_uart_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		val = mtty_uart_cause(u);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if (val == UART_IIR_THRI)
			u->thre_pending = false;
		if (u->fcr & UART_FCR_ENABLE_FIFO)
			val |= UART_IIR_FIFO_ENABLED_16550A;
		return val;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		val = UART_LSR_THRE | UART_LSR_TEMT;
		if (u->rx_count)
			val |= UART_LSR_DR;
		if (u->overrun)
			val |= UART_LSR_OE;
		u->overrun = false;
		return val;
	case UART_MSR:
		return mtty_uart_msr(u);
	default:
		return u->scr;
	}
}

/**
 * mtty_uart_access() - one byte-wide register access
 * @u: the UART
 * @reg: register offset, 0 to 7
 * @val: byte to write, or where the byte read goes
 * @write: direction
 *
 * Return: 0, or -EINVAL for an offset beyond the eight registers.
 */
int mtty_uart_access(struct mtty_uart *u, unsigned int reg, u8 *val,
		     bool write)
{
	if (reg > UART_SCR)
		return -EINVAL;
	if (write)
		mtty_uart_write(u, reg, *val);
	else
		*val = mtty_uart_read(u, reg);
	return 0;
}
