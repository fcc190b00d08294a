// SPDX-License-Identifier: GPL-2.0
/*
 * zcio: zero-copy block I/O from user memory.
 *
 * The misc device /dev/zcio and the module's lifetime.  /dev/zcio grants
 * nothing by itself: every transfer names a block-device fd that the
 * caller opened, and the access mode of that fd decides what is allowed.
 * That is why the node can be world-usable (mode 0666).
 */
#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/wait_bit.h>

#include "zcio.h"

struct workqueue_struct *zcio_wq;

/* Requests not yet released, possibly abandoned by a killed caller. */
static atomic_t zcio_live_reqs = ATOMIC_INIT(0);

void zcio_req_get_live(void)
{
	atomic_inc(&zcio_live_reqs);
}

void zcio_req_put_live(void)
{
	if (atomic_dec_and_test(&zcio_live_reqs))
		wake_up_var(&zcio_live_reqs);
}

static const struct file_operations zcio_fops = {
	.owner		= THIS_MODULE,
	.open		= zcio_open,
	.release	= zcio_release,
	.poll		= zcio_poll,
	.unlocked_ioctl	= zcio_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice zcio_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= ZCIO_DEVICE_NAME,
	.fops	= &zcio_fops,
	.groups	= zcio_attr_groups,
	.mode	= 0666,
};

/* The UAPI structs are ABI: their sizes must never change. */
static void zcio_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct zcio_version) != 56);
	BUILD_BUG_ON(sizeof(struct zcio_devinfo) != 80);
	BUILD_BUG_ON(sizeof(struct zcio_io) != 64);
	BUILD_BUG_ON(sizeof(struct zcio_stats) != 128);
	BUILD_BUG_ON(sizeof(struct zcio_submit) != 32);
	BUILD_BUG_ON(sizeof(struct zcio_event) != 16);
	BUILD_BUG_ON(sizeof(struct zcio_reap) != 48);
	BUILD_BUG_ON(sizeof(struct zcio_buf) != 16);
	BUILD_BUG_ON(sizeof(struct zcio_register) != 32);
}

static int __init zcio_init(void)
{
	int ret;

	zcio_check_abi();
	zcio_wq = alloc_workqueue("zcio", WQ_MEM_RECLAIM, 0);
	if (!zcio_wq)
		return -ENOMEM;
	ret = misc_register(&zcio_misc);
	if (ret)
		goto out_wq;
	pr_info("zcio: version %s, /dev/%s ready\n", ZCIO_VERSION_STR,
		ZCIO_DEVICE_NAME);
	return 0;

out_wq:
	destroy_workqueue(zcio_wq);
	return ret;
}

static void __exit zcio_exit(void)
{
	misc_deregister(&zcio_misc);
	/* Requests abandoned by killed callers may still be in flight. */
	wait_var_event(&zcio_live_reqs, !atomic_read(&zcio_live_reqs));
	destroy_workqueue(zcio_wq);
	/*
	 * Let zcio_req_io_done() leave its RCU section after the last
	 * hand-over.  This narrows, but cannot close, the window in which a
	 * preempted completion still has to return through module text.
	 */
	synchronize_rcu();
}

module_init(zcio_init);
module_exit(zcio_exit);

MODULE_DESCRIPTION("zcio: zero-copy block I/O from user memory");
MODULE_LICENSE("GPL");
MODULE_VERSION(ZCIO_VERSION_STR);
