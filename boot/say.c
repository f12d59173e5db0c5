/*
 * Loader output: every line goes to the UEFI text console and to the
 * serial port, once each.
 *
 * Firmware often mirrors its text console onto the serial port already
 * (OVMF does; so does "console redirection" on servers). Writing to the
 * UART as well would show every line twice there, so we look first: if
 * any text-output device has a UART node in its device path (UEFI 2.10,
 * 10.3.4.13, UART Device Path), the console already reaches the serial
 * port and we write to the console only.
 */
#include "loader.h"
#include <tessera/format.h>
#include <drivers/uart16550.h>

static u16 uart_port;
static bool uart_direct;

static bool conout_reaches_serial(void)
{
	EFI_HANDLE *handles = NULL;
	UINTN count = 0;
	bool found = false;

	if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &gEfiSimpleTextOutProtocolGuid, NULL,
					      &count, &handles)))
		return false;
	for (UINTN i = 0; i < count && !found; i++) {
		EFI_DEVICE_PATH *dp = NULL;

		if (EFI_ERROR(BS->HandleProtocol(handles[i], &gEfiDevicePathProtocolGuid,
						 (void **)&dp)))
			continue;
		for (; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp))
			if (DevicePathType(dp) == MESSAGING_DEVICE_PATH &&
			    DevicePathSubType(dp) == MSG_UART_DP)
				found = true;
	}
	BS->FreePool(handles);
	return found;
}

void say_init(u16 serial_port, u32 baud)
{
	uart_port = serial_port;
	uart_direct = !conout_reaches_serial() && uart_init(serial_port, baud);
}

void say(const char *fmt, ...)
{
	char line[256];
	CHAR16 wide[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vstrfmt(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlena((CHAR8 *)line);

	/* The UEFI console wants UCS-2 and CR LF. */
	size_t w = 0;
	for (size_t i = 0; i < n && w + 2 < ARRAY_SIZE(wide); i++) {
		if (line[i] == '\n')
			wide[w++] = L'\r';
		wide[w++] = (CHAR16)(unsigned char)line[i];
	}
	wide[w] = 0;
	ST->ConOut->OutputString(ST->ConOut, wide);
	if (uart_direct)
		uart_write(uart_port, line, n);
}

const char *efi_status_name(EFI_STATUS s)
{
	switch (s) {
	case EFI_SUCCESS:
		return "success";
	case EFI_NOT_FOUND:
		return "not found";
	case EFI_OUT_OF_RESOURCES:
		return "out of memory";
	case EFI_DEVICE_ERROR:
		return "device error";
	case EFI_VOLUME_CORRUPTED:
		return "volume corrupted";
	case EFI_ACCESS_DENIED:
		return "access denied";
	case EFI_INVALID_PARAMETER:
		return "invalid parameter";
	case EFI_UNSUPPORTED:
		return "unsupported";
	case EFI_BUFFER_TOO_SMALL:
		return "buffer too small";
	case EFI_LOAD_ERROR:
		return "load error";
	default:
		return "firmware error";
	}
}
