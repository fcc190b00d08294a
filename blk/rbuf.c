// SPDX-License-Identifier: GPL-2.0
/*
 * Registered buffers: ZCIO_IOC_REGISTER pins a set of user buffers once,
 * with FOLL_LONGTERM, and I/O with ZCIO_IO_FIXED then maps them without a
 * pin or unpin of its own.
 *
 * The pages are charged the way io_uring charges its fixed buffers, before
 * anything is pinned: to the user's locked_vm against RLIMIT_MEMLOCK
 * (unless the caller has CAP_IPC_LOCK) and to the mm's pinned_vm.  Only
 * anonymous, shmem and hugetlb memory can be registered (EOPNOTSUPP).
 *
 * The set is reference counted: the context holds one reference, every
 * request using a buffer another, so unregistering or closing while I/O
 * is in flight is safe; the last put unpins and uncharges.
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "zcio.h"

/* Charge @nr pages to @user's locked_vm, or -ENOMEM over the limit. */
static int zcio_charge_user(struct user_struct *user, unsigned long nr)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	unsigned long cur = atomic_long_read(&user->locked_vm);

	do {
		if (nr > limit || cur > limit - nr)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, cur + nr));
	return 0;
}

static int zcio_rbufs_charge(struct zcio_rbufs *rbufs)
{
	int ret;

	if (!capable(CAP_IPC_LOCK)) {
		rbufs->user = get_current_user();
		ret = zcio_charge_user(rbufs->user, rbufs->nr_pages);
		if (ret) {
			free_uid(rbufs->user);
			rbufs->user = NULL;
			return ret;
		}
	}
	rbufs->mm = current->mm;
	mmgrab(rbufs->mm);
	atomic64_add(rbufs->nr_pages, &rbufs->mm->pinned_vm);
	return 0;
}

static void zcio_rbufs_uncharge(struct zcio_rbufs *rbufs)
{
	if (rbufs->user) {
		atomic_long_sub(rbufs->nr_pages, &rbufs->user->locked_vm);
		free_uid(rbufs->user);
	}
	atomic64_sub(rbufs->nr_pages, &rbufs->mm->pinned_vm);
	mmdrop(rbufs->mm);
}

/* Unpin a buffer's pages, dirty: the device may have written any of them. */
static void zcio_rbuf_unpin(struct zcio_rbuf *rbuf)
{
	unsigned int i;

	for (i = 0; i < rbuf->nr_pages; i++)
		unpin_user_pages_dirty_lock(&rbuf->bvecs[i].bv_page, 1, true);
	zcio_count(unpins, rbuf->nr_pages);
	kvfree(rbuf->bvecs);
}

static void zcio_rbufs_free(struct zcio_rbufs *rbufs)
{
	unsigned int i;

	for (i = 0; i < rbufs->nr; i++)
		zcio_rbuf_unpin(&rbufs->bufs[i]);
	kvfree(rbufs);
}

/* Fill @rbuf's bvec table from the @pages pinned for it. */
static void zcio_rbuf_fill(struct zcio_rbuf *rbuf, struct page **pages)
{
	unsigned int offset = offset_in_page(rbuf->uaddr);
	u64 left = rbuf->len;
	unsigned int i;

	for (i = 0; i < rbuf->nr_pages; i++) {
		unsigned int n = min_t(u64, PAGE_SIZE - offset, left);

		bvec_set_page(&rbuf->bvecs[i], pages[i], n, offset);
		left -= n;
		offset = 0;
	}
}

/*
 * Pin every page of [@uaddr, @uaddr + @len) for a long time, writable
 * (reads write into them).  Returns 0 or -errno with nothing pinned.
 */
static int zcio_rbuf_pin(struct zcio_rbuf *rbuf, unsigned long uaddr, u64 len)
{
	unsigned int nr = zcio_span_pages(uaddr, len);
	unsigned long start = uaddr & PAGE_MASK;
	struct page **pages;
	unsigned int done = 0;
	int ret = 0;

	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	rbuf->bvecs = kvmalloc_array(nr, sizeof(*rbuf->bvecs),
				     GFP_KERNEL_ACCOUNT);
	if (!pages || !rbuf->bvecs) {
		ret = -ENOMEM;
		goto out_free;
	}
	while (done < nr) {
		ret = pin_user_pages_fast(start + done * PAGE_SIZE, nr - done,
					  FOLL_WRITE | FOLL_LONGTERM,
					  pages + done);
		if (ret <= 0) {
			ret = ret ?: -EFAULT;
			goto out_unpin;
		}
		done += ret;
		zcio_count(pins, ret);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out_unpin;
		}
	}
	rbuf->uaddr = uaddr;
	rbuf->len = len;
	rbuf->nr_pages = nr;
	zcio_rbuf_fill(rbuf, pages);
	kvfree(pages);
	return 0;

out_unpin:
	unpin_user_pages(pages, done);
	zcio_count(unpins, done);
out_free:
	kvfree(rbuf->bvecs);
	rbuf->bvecs = NULL;
	kvfree(pages);
	return ret;
}

/*
 * Like io_uring, register only anonymous, shmem and hugetlb memory:
 * holding page-cache pages of a regular file pinned for a long time would
 * stall its writeback and truncation.
 */
static int zcio_rbuf_check_vmas(unsigned long start, unsigned long end)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long addr;
	int ret = 0;

	mmap_read_lock(mm);
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr) {
			ret = -EFAULT;
			break;
		}
		if (vma->vm_file && !(vma->vm_flags & VM_HUGETLB) &&
		    !shmem_mapping(vma->vm_file->f_mapping)) {
			ret = -EOPNOTSUPP;
			break;
		}
	}
	mmap_read_unlock(mm);
	return ret;
}

/* One buffer description: sane, user memory of a kind we pin. */
static int zcio_rbuf_check(const struct zcio_buf *buf)
{
	if (!buf->len || buf->len > ZCIO_MAX_BUF_BYTES)
		return -EINVAL;
	if (buf->addr + buf->len < buf->addr)
		return -EINVAL;
	if (buf->addr != (unsigned long)buf->addr ||
	    !access_ok(u64_to_user_ptr(buf->addr), buf->len))
		return -EFAULT;
	return zcio_rbuf_check_vmas(buf->addr, buf->addr + buf->len);
}

/* Check every buffer of @bufs and count the pages they span. */
static int zcio_rbufs_check(struct zcio_rbufs *rbufs,
			    const struct zcio_buf *bufs, unsigned int nr)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = zcio_rbuf_check(&bufs[i]);
		if (ret)
			return ret;
		rbufs->nr_pages += zcio_span_pages(bufs[i].addr, bufs[i].len);
	}
	return 0;
}

/* Pin each of the @nr checked buffers into @rbufs. */
static int zcio_rbufs_pin(struct zcio_rbufs *rbufs,
			  const struct zcio_buf *bufs, unsigned int nr)
{
	int ret;

	for (rbufs->nr = 0; rbufs->nr < nr; rbufs->nr++) {
		ret = zcio_rbuf_pin(&rbufs->bufs[rbufs->nr],
				    bufs[rbufs->nr].addr, bufs[rbufs->nr].len);
		if (ret)
			return ret;
	}
	return 0;
}

/* Make @rbufs the context's set, or -EBUSY if it has one. */
static int zcio_rbufs_install(struct zcio_ctx *ctx, struct zcio_rbufs *rbufs)
{
	int ret = 0;

	spin_lock_irq(&ctx->lock);
	if (ctx->rbufs)
		ret = -EBUSY;
	else
		ctx->rbufs = rbufs;
	spin_unlock_irq(&ctx->lock);
	return ret;
}

/*
 * Build a registered set from the @nr descriptions at @ubufs: check them
 * all, charge their pages, then pin them.
 */
static struct zcio_rbufs *zcio_rbufs_create(const struct zcio_buf __user *ubufs,
					    unsigned int nr)
{
	struct zcio_rbufs *rbufs;
	struct zcio_buf *bufs;
	int ret;

	bufs = memdup_user(ubufs, nr * sizeof(*bufs));
	if (IS_ERR(bufs))
		return ERR_CAST(bufs);
	rbufs = kvzalloc(struct_size(rbufs, bufs, nr), GFP_KERNEL_ACCOUNT);
	if (!rbufs) {
		ret = -ENOMEM;
		goto out_bufs;
	}
	refcount_set(&rbufs->ref, 1);
	ret = zcio_rbufs_check(rbufs, bufs, nr);
	if (ret)
		goto out_free;
	ret = zcio_rbufs_charge(rbufs);
	if (ret)
		goto out_free;
	ret = zcio_rbufs_pin(rbufs, bufs, nr);
	if (ret)
		goto out_uncharge;
	kfree(bufs);
	return rbufs;

out_uncharge:
	zcio_rbufs_uncharge(rbufs);
out_free:
	zcio_rbufs_free(rbufs);
out_bufs:
	kfree(bufs);
	return ERR_PTR(ret);
}

long zcio_ioctl_register(struct zcio_ctx *ctx,
			 struct zcio_register __user *ureg)
{
	struct zcio_register reg;
	struct zcio_rbufs *rbufs;
	int ret;

	if (copy_from_user(&reg, ureg, sizeof(reg)))
		return -EFAULT;
	if (reg.flags || memchr_inv(reg.resv, 0, sizeof(reg.resv)))
		return -EINVAL;
	if (!reg.nr || reg.nr > ZCIO_MAX_BUFS)
		return -EINVAL;
	if (READ_ONCE(ctx->rbufs))
		return -EBUSY;
	rbufs = zcio_rbufs_create(u64_to_user_ptr(reg.bufs), reg.nr);
	if (IS_ERR(rbufs))
		return PTR_ERR(rbufs);
	ret = zcio_rbufs_install(ctx, rbufs);
	if (ret)
		zcio_rbufs_put(rbufs);
	return ret;
}

long zcio_ioctl_unregister(struct zcio_ctx *ctx)
{
	struct zcio_rbufs *rbufs;

	spin_lock_irq(&ctx->lock);
	rbufs = ctx->rbufs;
	ctx->rbufs = NULL;
	spin_unlock_irq(&ctx->lock);
	if (!rbufs)
		return -ENXIO;
	zcio_rbufs_put(rbufs);
	return 0;
}

/* A reference to the context's registered set, or NULL if none. */
struct zcio_rbufs *zcio_rbufs_get(struct zcio_ctx *ctx)
{
	struct zcio_rbufs *rbufs;

	spin_lock_irq(&ctx->lock);
	rbufs = ctx->rbufs;
	if (rbufs)
		refcount_inc(&rbufs->ref);
	spin_unlock_irq(&ctx->lock);
	return rbufs;
}

/* Drop a reference; the last one unpins.  Process context. */
void zcio_rbufs_put(struct zcio_rbufs *rbufs)
{
	might_sleep();
	if (!refcount_dec_and_test(&rbufs->ref))
		return;
	zcio_rbufs_uncharge(rbufs);
	zcio_rbufs_free(rbufs);
}
